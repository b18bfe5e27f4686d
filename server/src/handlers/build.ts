// `dfsize/build`: builds the document's Dockerfile through the engine, streaming its log and step N/M to the client,
// cancellable; labels the image for this file (discovery then finds it first) and records the previous build's sizes
// so the hints can show what changed. Refused in an untrusted workspace: a build runs the Dockerfile's commands.
import { ResponseError } from 'vscode-languageserver/node';
import { contextTar } from '../context/contextTar';
import { stageChain } from '../core/dockerfile';
import { LABEL_DOCKERFILE, LABEL_ROLE, LABEL_STAGE } from '../images/resolve';
import {
  BuildErrorCode,
  BuildImageRequest,
  BuildLogNotification,
  BuildProgressNotification,
  CancelBuildNotification,
  type BuildOptions,
} from '../protocol';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';
import { Params } from './params';

export const UNTRUSTED_BUILD =
  "Building runs this Dockerfile's commands, so it is off in Restricted Mode: trust this folder first (Workspaces: Manage Workspace Trust). Sizes of images already built still show.";

/** `shop-api:latest` + `builder` → `shop-api-builder:latest`. */
export function stageTag(tag: string, stage: string): string {
  const at = tag.lastIndexOf(':');
  const [repo, version] = at > tag.lastIndexOf('/') ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, 'latest'];
  return `${repo}-${stage.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:${version}`;
}

const BUILDERS = ['auto', 'buildkit', 'legacy'] as const;

function buildParams(raw: unknown): { uri: string; buildId: string; options: BuildOptions } {
  const p = new Params(BuildImageRequest.method, raw);
  const o = p.nested('options');
  return {
    uri: p.string('uri'),
    buildId: p.string('buildId'),
    options: {
      contextDir: o.string('contextDir'),
      tag: o.string('tag'),
      buildArgs: o.stringRecord('buildArgs'),
      target: o.stringOrNull('target'),
      platform: o.stringOrNull('platform'),
      builder: o.oneOf('builder', BUILDERS),
      allStages: o.boolean('allStages', false),
    },
  };
}

export function registerBuild(session: Session): void {
  const running = new Map<string, { buildId: string; abort: AbortController }>();
  // A session that ends cancels its builds.
  session.own({
    dispose: () => {
      for (const b of running.values()) b.abort.abort();
    },
  });

  session.connection.onNotification(CancelBuildNotification.type, ({ buildId }) => {
    for (const b of running.values()) if (b.buildId === buildId) b.abort.abort();
  });

  session.connection.onRequest(BuildImageRequest.type, async (raw) => {
    const { uri, buildId, options } = buildParams(raw);
    if (!session.options.trusted) throw new ResponseError(BuildErrorCode.untrusted, UNTRUSTED_BUILD);
    const file = fsPathOf(uri);
    if (!file)
      throw new ResponseError(BuildErrorCode.unsaved, 'Save the Dockerfile first: builds use the file on disk.');
    if (running.has(file))
      throw new ResponseError(
        BuildErrorCode.alreadyRunning,
        `A build of ${file} is already running: wait for it, or cancel it.`,
      );
    const abort = new AbortController();
    running.set(file, { buildId, abort });
    let context: Awaited<ReturnType<typeof contextTar>> | undefined;
    try {
      const settings = await session.settings.get(uri);
      const conn = session.engines.for(settings);
      const version = await conn.engine.version();
      const builder =
        options.builder === 'auto' ? (version.product === 'podman' ? 'legacy' : 'buildkit') : options.builder;
      await session
        .recordPrevious(uri)
        .catch((e: unknown) => session.connection.console.warn(`previous build not recorded: ${(e as Error).message}`));
      const doc = session.documents.get(uri);
      const model = doc ? session.model(doc) : null;
      const stage =
        options.target ?? (model ? String(model.stages.at(-1)?.name ?? Math.max(0, model.stages.length - 1)) : '0');
      context = await contextTar(options.contextDir, file);
      const log = (line: string) =>
        void session.connection.sendNotification(BuildLogNotification.type, { buildId, line });
      log(
        `building ${file} in ${options.contextDir} as ${options.tag} with ${builder === 'buildkit' ? 'BuildKit' : 'the legacy builder'} on ${conn.status.url}`,
      );
      const result = await conn.engine.build(
        {
          context: context.stream,
          dockerfile: context.dockerfile,
          tag: options.tag,
          buildArgs: options.buildArgs,
          labels: { [LABEL_DOCKERFILE]: file, [LABEL_STAGE]: stage },
          target: options.target,
          platform: options.platform,
          builder,
        },
        {
          onLog: log,
          onProgress: (p) =>
            void session.connection.sendNotification(BuildProgressNotification.type, { buildId, ...p }),
        },
        abort.signal,
      );
      log(`built ${result.imageId} as ${result.tag}`);
      if (options.allStages && model) {
        // Every named stage the image does not hold, as its own target: their lines get sizes too.
        const target = options.target
          ? model.stages.findIndex((s) => s.name?.toLowerCase() === options.target!.toLowerCase())
          : model.stages.length - 1;
        const inImage = new Set(stageChain(model, target));
        for (const st of model.stages) {
          if (inImage.has(st.index) || !st.name || abort.signal.aborted) continue;
          const tag = stageTag(options.tag, st.name);
          const ctx = await contextTar(options.contextDir, file);
          try {
            log(`building stage ${st.name} as ${tag}`);
            await conn.engine.build(
              {
                context: ctx.stream,
                dockerfile: ctx.dockerfile,
                tag,
                buildArgs: options.buildArgs,
                target: st.name,
                platform: options.platform,
                builder,
                labels: { [LABEL_DOCKERFILE]: file, [LABEL_STAGE]: st.name, [LABEL_ROLE]: 'stage' },
              },
              {
                onLog: log,
                onProgress: (p) =>
                  void session.connection.sendNotification(BuildProgressNotification.type, {
                    buildId,
                    ...p,
                    stage: p.stage ?? st.name,
                  }),
              },
              abort.signal,
            );
          } finally {
            (ctx.stream as unknown as { destroy?: () => void }).destroy?.();
          }
        }
      }
      // The engine's events will say so too; asking now makes the new numbers appear without waiting for them.
      conn.source.invalidate();
      await session.images.refresh(uri);
      return result;
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      throw new ResponseError(BuildErrorCode.failed, (e as Error).message);
    } finally {
      running.delete(file);
      // A build that failed or was cancelled before reading the whole context leaves the walk waiting: end it.
      (context?.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    }
  });
}
