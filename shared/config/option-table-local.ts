/** The options of `orderflow dev` and `orderflow init`, in the option table (option-table.ts). */
import { onOff, text, wholeNumber } from './option-kinds';
import { option } from './option-spec';

/* The order of the entries is the order of the flags in help and of the rows in the README. */
export const LOCAL_OPTIONS = {
  /**
   * Folder of the servers' data and logs, resolved from the working directory; while dev runs, its
   * `dev-servers.json` there tells the other commands where its servers are. Default: ./.data.
   */
  dataDir: option({
    flag: '--data-dir <dir>',
    env: 'ORDERFLOW_DATA_DIR',
    commands: ['dev'],
    ...text('give a folder'),
    default: './.data',
    help: "folder for the servers' data and logs, where other commands find dev's servers",
  }),
  /** Demo orders published once everything runs. Default: 3. */
  demoOrders: option({
    flag: '--demo-orders <n>',
    commands: ['dev'],
    ...wholeNumber(0, 10_000),
    default: 3,
    unit: 'count',
    help: 'demo orders to publish once running, 0 for none',
  }),
  /**
   * Reload dev's workers in place when the --functions module, or a file of the project it imports,
   * is saved: a new build for the orders that start afterwards. Default: off.
   */
  watch: option({
    flag: '--watch',
    commands: ['dev'],
    ...onOff(),
    help: 'reload the workers when the functions module or a file it imports is saved (needs --functions)',
    defaultLabel: 'off',
  }),
  /** The dependency written for orderflow: a version range or a tarball's path. Default: ^ this version. */
  orderflowSpec: option({
    flag: '--orderflow <spec>',
    commands: ['init'],
    ...text('give a version range or the path of a tarball'),
    help: "orderflow's dependency spec: a version range or a tarball's path",
    defaultLabel: '^ this version',
    readme: { default: '`^` the running version' },
  }),
  /** Write a JavaScript project instead of a TypeScript one. Default: off. */
  javascript: option({
    flag: '--javascript',
    commands: ['init'],
    ...onOff(),
    help: 'write a JavaScript project (functions.js, node --test) instead of a TypeScript one',
    defaultLabel: 'off',
  }),
  /** The project's npm package name. Default: the folder's name, made valid. */
  projectName: option({
    flag: '--name <name>',
    commands: ['init'],
    ...text('give a valid npm package name'),
    help: "the project's npm package name",
    defaultLabel: "the folder's name, made valid",
  }),
};
