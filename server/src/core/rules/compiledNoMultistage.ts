// compiled-no-multistage: a toolchain build (go build, cargo build, mvn/gradle package, npm/yarn run build,
// dotnet publish) in a stage that is the image. Compiler, SDK, module and build caches all ship with an artifact
// that needs none of them. The fix (offered where the artifact and the runtime are clear, never applied by fix-all:
// the app may need files from the build stage the rewrite cannot see) splits the stage in two.
import { formatBytes } from '../format';
import { toolchainBuild, type Toolchain } from './commands';
import { finding, imageStages, linesOf, severityOf, shellRun } from './context';
import { multistageFix } from './multistage';
import { topLevel } from './shell';
import type { Finding, Fix, RuleContext, SizeRule } from './types';

export const CODE = 'compiled-no-multistage';

const RUNTIME: Record<Toolchain, string> = {
  go: 'a static or distroless base for a CGO-free binary',
  cargo: 'debian-slim with the binary',
  maven: 'a JRE image with the jar',
  gradle: 'a JRE image with the jar',
  node: 'nginx for a static front end, or node-slim with the built files and production dependencies',
  dotnet: 'the ASP.NET Core or .NET runtime image',
};

export const compiledNoMultistage: SizeRule = {
  code: CODE,
  evaluate(ctx: RuleContext): Finding[] {
    const lines = linesOf(ctx);
    const stages = imageStages(ctx);
    const out: Finding[] = [];
    const chainLength = stages.size;
    for (const stage of ctx.model.stages) {
      if (!stages.has(stage.index)) continue;
      for (const inst of stage.instructions) {
        const run = shellRun(ctx, inst);
        const build = run && topLevel(run.script).find((c) => toolchainBuild(c) !== null);
        if (!run || !build) continue;
        const kind = toolchainBuild(build)!;
        const fix = chainLength === 1 ? multistageFix(ctx.model, lines, stage, run, build, kind) : null;
        const fixes: Fix[] = fix ? [fix] : [];
        const base = ctx.match?.base?.sizeBytes;
        const note = base ? ` The base alone is ${formatBytes(base)}.` : '';
        out.push(
          finding(
            CODE,
            lines,
            inst,
            severityOf(ctx, inst, 'warning'),
            `This stage builds with ${build.name} and is also the image: the toolchain and its caches ship with the ` +
              `artifact. Build in a separate stage and copy only the artifact onto ${RUNTIME[kind]}.${note}`,
            null,
            fixes,
          ),
        );
        break;
      }
    }
    return out;
  },
};
