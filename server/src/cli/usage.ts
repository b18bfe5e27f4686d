// The usage line of every command, apart from the commands themselves: `dfsize --help` (and a mistyped command)
// print them without loading any command's code — the engine client among it costs a third of a second.
export const REPORT_USAGE =
  'dfsize report <Dockerfile> [--image REF | --archive PATH] [--json] [--no-analyze] [--max-analyze-bytes SIZE] [--verbose] [--registry] [--insecure-registry] [--ca-cert FILE]…';
export const FIX_USAGE =
  'dfsize fix <Dockerfile> [--image REF | --archive PATH] [--write] [--only CODE,…] [--no-analyze] [--max-analyze-bytes SIZE] [--verbose]';
export const ANALYZE_USAGE =
  'dfsize analyze [--image REF | --archive PATH | TARGET] [--json] [--dive-json FILE] [--ci] [--ci-config FILE] [--ci-waste dive|removable] [--dockerfile PATH] [--platform OS/ARCH] [--no-cache] [--registry] [--insecure-registry] [--ca-cert FILE]… [--cache-from REGISTRY/REPO[:TAG]] [--cache-to REGISTRY/REPO[:TAG]]';
export const COMPARE_USAGE =
  'dfsize compare OLD NEW [--dockerfile PATH] [--json]   (OLD, NEW: an image, archive:PATH, or previous)';
export const CI_USAGE =
  'dfsize ci <Dockerfile> [--image REF | --archive PATH] [--config FILE] [--format human|json|sarif|github|gitlab] [--output FILE] [--max-image-size SIZE] [--max-layer-size SIZE] [--max-layers N] [--max-removable SIZE] [--lowest-efficiency F] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent F] [--fail-on error|warning|info]';
export const BUILD_USAGE =
  'dfsize build <Dockerfile> [--context DIR] [--tag NAME:TAG] [--builder buildkit|legacy] [--target STAGE] [--json]';
