// `dfsize report <Dockerfile> [--image REF | --archive PATH] [--json]`
import { parseArgs } from 'node:util';
import { matchHistory } from '../core/match';
import { buildReport, type Report } from '../core/report';
import { resolveEndpoint } from '../engine/endpoint';
import { DockerodeSource } from '../engine/dockerode';
import { EngineError } from '../engine/source';
import { discoverImage, imageFromArchive, imageFromEngine, type ResolvedImage } from '../images/resolve';
import { UsageError } from './errors';
import { ansi, plain, renderReport } from './human';
import { readDockerfile } from './input';

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isTty: boolean;
}

export const REPORT_USAGE = 'dfsize report <Dockerfile> [--image REF | --archive PATH] [--json]';

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { image: { type: 'string' }, archive: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UsageError(`usage: ${REPORT_USAGE}`);
  if (values.image !== undefined && values.archive !== undefined) throw new UsageError('--image and --archive name two images: give one');
  const path = positionals[0]!;
  const { text, model } = readDockerfile(path);

  let image: ResolvedImage | null = null;
  if (values.archive !== undefined) {
    image = await imageFromArchive(values.archive, model);
  } else {
    const timeout = Number(io.env.DFSIZE_ENGINE_TIMEOUT_MS) || 10000;
    const source = DockerodeSource.connect(resolveEndpoint({ env: io.env }), timeout);
    if (values.image !== undefined) {
      image = await imageFromEngine(source, values.image, model, '--image');
    } else {
      try {
        const found = await discoverImage(source, model, path, { maxImages: Number(io.env.DFSIZE_MAX_IMAGES) || 200 });
        if ('none' in found) io.stderr(`dfsize: no image: ${found.none}\n`);
        else image = found;
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
        io.stderr(`dfsize: no image: ${e.message}\n`);
      }
    }
  }
  if (image && values.image === undefined && values.archive === undefined) io.stderr(`dfsize: using ${image.ref}: ${image.reason}\n`);
  const match = image ? matchHistory(model, image.info, image.matchOptions) : null;
  const report: Report = buildReport({ dockerfile: path, model, image: image && { info: image.info, ref: image.ref, source: image.source }, match });
  io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : renderReport(report, text, io.isTty && !io.env.NO_COLOR ? ansi : plain));
  return 0;
}
