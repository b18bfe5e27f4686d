// `dfsize`: the command line over the same core as the language server. Every outcome is an exit code and, on
// failure, one line on stderr that says what to do (cli/errors.ts). A command's code is loaded when it runs (esbuild
// keeps it in the one bundle, evaluated on first import): `--help` and usage errors load none of it, and the engine
// client (dockerode: gRPC, protobufjs, ssh2), the costliest part, is loaded by the commands only when they talk to an
// engine.
import { EXIT, exitCodeOf, messageOf, UsageError } from './cli/errors';
import type { CliIo } from './cli/report';
import { ANALYZE_USAGE, BUILD_USAGE, CI_USAGE, COMPARE_USAGE, FIX_USAGE, REPORT_USAGE } from './cli/usage';
import { VERSION } from './version';

const USAGE = `usage:
  ${REPORT_USAGE}
  ${FIX_USAGE}
  ${ANALYZE_USAGE}
  ${COMPARE_USAGE}
  ${CI_USAGE}
  ${BUILD_USAGE}

exit codes: 0 ok, 1 a gate failed, 2 bad input, 3 engine unreachable, 4 an internal error (a bug)`;

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  report: async (argv, io) => (await import('./cli/report')).reportCommand(argv, io),
  fix: async (argv, io) => (await import('./cli/fix')).fixCommand(argv, io),
  analyze: async (argv, io) => (await import('./cli/analyze')).analyzeCommand(argv, io),
  compare: async (argv, io) => (await import('./cli/compare')).compareCommand(argv, io),
  ci: async (argv, io) => (await import('./cli/ci')).ciCommand(argv, io),
  build: async (argv, io) => (await import('./cli/build')).buildCommand(argv, io),
};

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) {
    io.stderr(`dfsize: say what to do\n${USAGE}\n`);
    return EXIT.badInput;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE + '\n');
    return EXIT.ok;
  }
  if (command === '--version' || command === '-V') {
    io.stdout(`dfsize ${VERSION}\n`);
    return EXIT.ok;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (!run) throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    return await run(rest, io);
  } catch (e) {
    // Node's own argument errors explain how to pass a value starting with '-': one line is enough here.
    const err = (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? new UsageError(`${(e as Error).message.split('. ')[0]!.replace(/\.$/, '')} (dfsize --help lists the options)`)
      : e;
    io.stderr(`dfsize: ${messageOf(err)}\n`);
    const code = exitCodeOf(err);
    // A bug: its stack, which the shipped source maps turn into lines of the TypeScript sources (esbuild.mjs).
    if (code === EXIT.internal && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return code;
  }
}

if (require.main === module) {
  // Deprecation notices of the libraries inside the bundle (docker-modem builds an odd URL for ssh://) are not the
  // user's to act on.
  process.noDeprecation = true;
  // Output that cannot be written (a closed pipe: `dfsize report … | head`; a full disk): stop quietly on a closed pipe,
  // say so in one line otherwise.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`dfsize: cannot write the output (${e.code ?? e.message}): ${e.message}\n`);
    process.exit(EXIT.badInput);
  });
  void main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    // Node's types say boolean; a stream that is no terminal has isTTY undefined.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare
    isTty: process.stdout.isTTY === true,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare
    stderrIsTty: process.stderr.isTTY === true,
    stderrColumns: process.stderr.columns,
  }).then((code) => {
    process.exitCode = code;
  });
}
