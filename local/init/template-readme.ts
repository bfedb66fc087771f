/** The README of the project `orderflow init` writes: what is in it, how to run, test and deploy it. */
import type { ProjectVariables } from './project';
import { FUNCTIONS_MODULE, nextCommands } from './project';

function filesSection(v: ProjectVariables): string {
  const functions = FUNCTIONS_MODULE[v.language].replace(/^\.\//, '');
  const charge = `- \`${functions}\`: the pipeline. \`chargeCard\` (stage \`process\`) POSTs the order's total to a
  payments API (\`PAYMENTS_URL\`, default \`http://127.0.0.1:8080/charges\`) with orderflow's
  idempotency key in the \`Idempotency-Key\` header, so a retried charge is never made twice. A 4xx
  answer (a declined card) fails the stage at once with its reason; a 5xx, a 408, 409 or 429 (try
  again later) or an unreachable API is retried, up to 5 attempts.`;
  if (v.language === 'javascript') {
    return `${charge}
- \`functions.test.js\`: its unit test. \`runFunction\` (from \`orderflow/testing\`) runs the function
  as orderflow's worker would, against a fake payments API the test serves itself.`;
  }
  return `${charge} \`confirmOrder\` (stage \`dispatch\`) reads the charge: it declares
  \`needs: { process: [chargeCard] }\`, so \`ctx.results.process.chargeCard\` is typed.
- \`src/functions.test.ts\`: unit tests. \`runFunction\` (from \`orderflow/testing\`) runs a function as
  orderflow's worker would, against the fake payments API of \`src/fake-payments.ts\`.
- \`src/pipeline.test.ts\`: the whole pipeline, in the test's process, with \`startPipelineTest\`: a
  nats-server and a Temporal server of its own, the bridge and a worker. Its Temporal skips time
  while a run only waits, so a charge retried over minutes of backoff completes in a second.
- \`tsconfig.json\`: strict; \`npm run typecheck\` checks the code (\`npm test\` runs it, through tsx).`;
}

function serversSection(v: ProjectVariables): string {
  const servers = v.language === 'typescript' ? [...v.servers, v.testServer] : v.servers;
  const installs = servers.map((s) => `go install ${s.goInstall}`).join('\n');
  const binaries = servers.map((s) => `\`${s.binary}\` (\`${s.envVar}\`)`).join(', ');
  const kit =
    v.language === 'typescript'
      ? ` The pipeline test runs nats-server and Temporal's own server (its third binary, built from
\`go.temporal.io/server\`, whose module asks for a Go newer than 1.26: \`GOTOOLCHAIN=go1.27.3\`).`
      : '';
  return `\`orderflow dev\` needs two server binaries, nats-server and temporal.${kit} The binaries are ${binaries}.
orderflow looks for each in the variable named, then in its cache (\`~/.cache/orderflow/tools\`),
then on PATH (the test server: not on PATH). When one is missing and Go is installed, orderflow
builds it into the cache (a few minutes, once); otherwise it stops and prints how to get it:

\`\`\`sh
${installs}
\`\`\`

which puts them in \`$(go env GOPATH)/bin\`: add that folder to PATH, or set the variables to the
binaries' paths. Or run the servers yourself and set \`NATS_URL\` and \`TEMPORAL_ADDRESS\`: dev uses
them instead of starting its own.`;
}

export function projectReadme(v: ProjectVariables): string {
  const functions = FUNCTIONS_MODULE[v.language];
  const typecheck = v.language === 'typescript' ? '\nnpm run typecheck' : '';
  return `# ${v.name}

Order functions for orderflow: every order published to the NATS JetStream stream \`ORDERS\` runs
through the functions of \`${functions.replace(/^\.\//, '')}\`, each one a Temporal activity, retried until it succeeds
or fails for good.

${filesSection(v)}

## Run it

\`\`\`sh
${nextCommands(v.language).join('\n')}${typecheck}
\`\`\`

\`orderflow dev\` (\`npm run dev\` adds \`--watch\`: a saved change to the functions reloads the
workers, and the next order runs it) starts everything on this machine: nats-server and the
Temporal dev server (their data under \`.data/\`), the ORDERS topology, a bridge and a worker running
your functions, and three demo orders. It prints where the Temporal UI is: each order's
\`process-…\` workflow shows \`chargeCard\`'s attempts. Until \`PAYMENTS_URL\` points at a payments
API (a provider's sandbox, say), those attempts fail to connect and the order's stage fails after
the fifth attempt; \`--demo-orders 0\` publishes none. Ctrl-C stops it all.

${serversSection(v)}

## Deploy

Against your NATS (JetStream enabled) and Temporal clusters, with \`NATS_URL\`, \`TEMPORAL_ADDRESS\`
and \`TEMPORAL_NAMESPACE\` set (also read: \`NATS_CREDS\`, \`TEMPORAL_API_KEY\`, \`TEMPORAL_TLS*\`; see
\`npx orderflow --help\`):

\`\`\`sh
npx orderflow provision                                # once: the ORDERS stream and its consumers
npx orderflow bridge --functions ${functions}      # pulls orders into Temporal workflows
npx orderflow worker --functions ${functions}      # runs the functions; as many as the load needs
\`\`\`

Workers need \`PAYMENTS_URL\` too. Deploy a changed \`${functions.replace(/^\.\//, '')}\` by starting workers with it and
stopping the old ones: orders already running keep the plan they started with.
`;
}
