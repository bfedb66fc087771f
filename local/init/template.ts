/**
 * The files of the project `orderflow init` writes, as text: package.json, the functions and their
 * test (template-functions.ts), a README with the commands to run it, and a .gitignore. What varies
 * (the project's name, the orderflow and Temporal versions, the server binaries' versions) comes
 * in as ProjectVariables, so every written file agrees with the orderflow that wrote it.
 */
import { FUNCTIONS_JS, FUNCTIONS_TEST_JS } from './template-functions';

/** A server binary `orderflow dev` runs, and how to get it (from scripts/tools.js). */
export interface ServerTool {
  /** `nats-server`, `temporal`. */
  readonly binary: string;
  /** Variable naming the binary's path instead of the cache or PATH. */
  readonly envVar: string;
  /** `go install` argument: module@version. */
  readonly goInstall: string;
}

export interface ProjectVariables {
  /** The project's npm package name. */
  readonly name: string;
  /** Dependency spec of orderflow: `^0.2.0`, a tarball's path. */
  readonly orderflowSpec: string;
  /** orderflow's own range of the Temporal SDK packages (`~1.24.0`): the test's must match. */
  readonly temporalRange: string;
  /** orderflow's engines.node range. */
  readonly nodeRange: string;
  readonly servers: readonly ServerTool[];
}

export interface ProjectFile {
  /** Path relative to the project folder. */
  readonly path: string;
  readonly content: string;
  /** One line for the list `orderflow init` prints. */
  readonly about: string;
}

/** The command that runs the pipeline locally, as the README and `init` print it. */
const DEV_COMMAND = 'npx orderflow dev --functions ./functions.js';
/** The three commands from a written project to a running one. */
export const NEXT_COMMANDS = ['npm install', 'npm test', DEV_COMMAND] as const;

function packageJson(v: ProjectVariables): string {
  const pkg = {
    name: v.name,
    version: '0.1.0',
    private: true,
    description: 'Order functions run by orderflow',
    type: 'module',
    engines: { node: v.nodeRange },
    scripts: {
      test: 'node --test',
      worker: 'orderflow worker --functions ./functions.js',
      dev: 'orderflow dev --functions ./functions.js',
    },
    dependencies: { orderflow: v.orderflowSpec },
    // The versions orderflow itself runs: MockActivityEnvironment and orderflow's activity wrapper
    // must agree on the activity context, and Temporal's packages move in lockstep.
    devDependencies: { '@temporalio/activity': v.temporalRange, '@temporalio/testing': v.temporalRange },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function readme(v: ProjectVariables): string {
  const installs = v.servers.map((s) => `go install ${s.goInstall}`).join('\n');
  const binaries = v.servers.map((s) => `\`${s.binary}\` (\`${s.envVar}\`)`).join(' and ');
  return `# ${v.name}

Order functions for orderflow: every order published to the NATS JetStream stream \`ORDERS\` runs
through the functions of \`functions.js\`, each one a Temporal activity, retried until it succeeds
or fails for good.

- \`functions.js\`: the pipeline. \`chargeCard\` (stage \`process\`) POSTs the order's total to a
  payments API (\`PAYMENTS_URL\`, default \`http://127.0.0.1:8080/charges\`) with orderflow's
  idempotency key in the \`Idempotency-Key\` header, so a retried charge is never made twice. A 4xx
  answer (a declined card) fails the stage at once with its reason; a 5xx, a 408, 409 or 429 (try
  again later) or an unreachable API is retried, up to 5 attempts.
- \`functions.test.js\`: its unit test. The function runs as the activity orderflow's worker hosts,
  in Temporal's \`MockActivityEnvironment\`, against a fake payments API the test serves itself.

## Run it

\`\`\`sh
${NEXT_COMMANDS.join('\n')}
\`\`\`

The last one (also \`npm run dev\`) starts everything on this machine: nats-server and the Temporal
dev server (their data under \`.data/\`), the ORDERS topology, a bridge and a worker running your
functions, and three demo orders. It prints where the Temporal UI is: each order's \`process-…\`
workflow shows \`chargeCard\`'s attempts. Until \`PAYMENTS_URL\` points at a payments API (a
provider's sandbox, say), those attempts fail to connect and the order's stage fails after the
fifth attempt; \`--demo-orders 0\` publishes none. Ctrl-C stops it all.

\`orderflow dev\` needs two server binaries, ${binaries}. It looks for each in the variable
named, then in orderflow's cache (\`~/.cache/orderflow/tools\`), then on PATH. When one is missing
it stops and prints how to get it; with Go 1.22+ that is

\`\`\`sh
${installs}
\`\`\`

which puts them in \`$(go env GOPATH)/bin\`: add that folder to PATH, or set the variables to the
binaries' paths. Or run the servers yourself and set \`NATS_URL\` and \`TEMPORAL_ADDRESS\`: dev uses
them instead of starting its own.

## Deploy

Against your NATS (JetStream enabled) and Temporal clusters, with \`NATS_URL\`, \`TEMPORAL_ADDRESS\`
and \`TEMPORAL_NAMESPACE\` set (also read: \`NATS_CREDS\`, \`TEMPORAL_API_KEY\`, \`TEMPORAL_TLS*\`; see
\`npx orderflow --help\`):

\`\`\`sh
npx orderflow provision                              # once: the ORDERS stream and its consumers
npx orderflow bridge --functions ./functions.js      # pulls orders into Temporal workflows
npx orderflow worker --functions ./functions.js      # runs the functions; as many as the load needs
\`\`\`

Workers need \`PAYMENTS_URL\` too. Deploy a changed \`functions.js\` by starting workers with it and
stopping the old ones: orders already running keep the plan they started with.
`;
}

const GITIGNORE = `node_modules/
# orderflow dev's server data and logs
.data/
`;

/** Every file of the project, in the order `orderflow init` lists them. */
export function projectFiles(v: ProjectVariables): readonly ProjectFile[] {
  return [
    { path: 'package.json', content: packageJson(v), about: `orderflow ${v.orderflowSpec}, tests with node --test` },
    { path: 'functions.js', content: FUNCTIONS_JS, about: 'the pipeline: chargeCard calls a payments API' },
    { path: 'functions.test.js', content: FUNCTIONS_TEST_JS, about: "chargeCard's unit test" },
    { path: 'README.md', content: readme(v), about: 'how to run, test and deploy it' },
    { path: '.gitignore', content: GITIGNORE, about: 'node_modules and dev data' },
  ];
}
