// `dfsize`: the command line over the same core as the language server. Every outcome is an exit code and, on
// failure, one line on stderr that says what to do (cli/errors.ts).
import { EXIT, exitCodeOf, messageOf, UsageError } from './cli/errors';
import { REPORT_USAGE, reportCommand, type CliIo } from './cli/report';

const USAGE = `usage:
  ${REPORT_USAGE}

exit codes: 0 ok, 1 a gate failed, 2 bad input, 3 engine unreachable`;

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  report: reportCommand,
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
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    return await run(rest, io);
  } catch (e) {
    const err = (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? new UsageError(`${(e as Error).message}\n${USAGE}`) : e;
    io.stderr(`dfsize: ${messageOf(err)}\n`);
    return exitCodeOf(err);
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    isTty: process.stdout.isTTY === true,
  }).then((code) => { process.exitCode = code; });
}
