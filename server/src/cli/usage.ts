// The usage line of every command, apart from the commands themselves: `dfsize --help` (and a mistyped command)
// print them without loading any command's code — the engine client among it costs a third of a second.
export const REPORT_USAGE =
  'dfsize report <Dockerfile> [--image REF | --archive PATH] [--json] [--no-analyze] [--max-analyze-bytes SIZE] [--verbose]';
export const FIX_USAGE =
  'dfsize fix <Dockerfile> [--image REF | --archive PATH] [--write] [--only CODE,…] [--no-analyze] [--max-analyze-bytes SIZE] [--verbose]';
export const ANALYZE_USAGE =
  'dfsize analyze [--image REF | --archive PATH | TARGET] [--json] [--ci] [--ci-config FILE] [--dockerfile PATH] [--platform OS/ARCH] [--no-cache]';
export const BUILD_USAGE =
  'dfsize build <Dockerfile> [--context DIR] [--tag NAME:TAG] [--builder buildkit|legacy] [--target STAGE] [--json]';
