// node without-entry.mjs ARCHIVE.tar NAME: rewrites ARCHIVE.tar without its entry NAME, streaming (containerd-save.sh).
import { createReadStream, createWriteStream, renameSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

const [file, drop] = process.argv.slice(2);
if (!file || !drop) {
  console.error('usage: node without-entry.mjs ARCHIVE.tar NAME');
  process.exit(2);
}
const extract = tar.extract();
const pack = tar.pack();
extract.on('entry', (header, stream, next) => {
  if (header.name === drop) {
    stream.on('end', next);
    stream.resume();
  } else {
    stream.pipe(pack.entry(header, next));
  }
});
extract.on('finish', () => pack.finalize());
const tmp = `${file}.tmp`;
await Promise.all([pipeline(createReadStream(file), extract), pipeline(pack, createWriteStream(tmp))]);
renameSync(tmp, file);
