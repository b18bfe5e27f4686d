// `dfsize/build`: routes Build Image to the editor's build service (builds/editorBuilds.ts), its log and step N/M to
// the client as notifications, and its refusals as ResponseErrors with the code the client acts on.
import { ResponseError } from 'vscode-languageserver/node';
import { BUILDER_CHOICES } from '../builds/buildTarget';
import { BuildRefusal, EditorBuilds } from '../builds/editorBuilds';
import {
  BuildImageRequest,
  BuildLogNotification,
  BuildProgressNotification,
  CancelBuildNotification,
  type BuildOptions,
} from '../protocol';
import { fsPathOf } from '../state/documentImages';
import type { Session } from '../state/session';
import { Params } from './params';

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
      builder: o.oneOf('builder', BUILDER_CHOICES),
      allStages: o.boolean('allStages', false),
    },
  };
}

export function registerBuild(session: Session): void {
  const builds = new EditorBuilds({
    trusted: session.options.trusted,
    fileOf: fsPathOf,
    connectionFor: async (uri) => session.engines.for(await session.settings.get(uri)),
    modelOf: (uri) => {
      const doc = session.documents.get(uri);
      return doc ? session.model(doc) : null;
    },
    recordPrevious: (uri) => session.recordPrevious(uri),
    recordTiming: (imageId, timing) => session.previousBuilds.recordTiming(imageId, timing),
    refresh: async (uri, conn) => {
      conn.source.invalidate();
      await session.images.refresh(uri);
    },
    warn: (m) => {
      session.connection.console.warn(m);
    },
  });
  // A session that ends cancels its builds.
  session.own(builds);
  session.connection.onNotification(CancelBuildNotification.type, ({ buildId }) => {
    builds.cancel(buildId);
  });
  session.connection.onRequest(BuildImageRequest.type, async (raw) => {
    const { uri, buildId, options } = buildParams(raw);
    try {
      const { imageId, tag, builder } = await builds.build(uri, buildId, options, {
        onLog: (line) => void session.connection.sendNotification(BuildLogNotification.type, { buildId, line }),
        onProgress: (p) => void session.connection.sendNotification(BuildProgressNotification.type, { buildId, ...p }),
      });
      return { imageId, tag, builder };
    } catch (e) {
      if (e instanceof BuildRefusal) throw new ResponseError(e.code, e.message);
      throw e;
    }
  });
}
