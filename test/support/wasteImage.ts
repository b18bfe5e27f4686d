// The image whose waste the engine suites control: a file written then deleted, a file overwritten, a directory
// removed, a directory emptied and recreated (an opaque directory). Built by the analysis suite and, beside real dive,
// by the conformance suite.
export const WASTE_DOCKERFILE = `FROM local/busybox:latest
RUN mkdir -p /w && head -c 300000 /dev/zero > /w/deleted.bin
RUN head -c 200000 /dev/zero > /w/over.bin
RUN mkdir -p /w/dir/sub && head -c 100000 /dev/zero > /w/dir/a && head -c 50000 /dev/zero > /w/dir/sub/b
RUN mkdir -p /w/opq && head -c 70000 /dev/zero > /w/opq/old
RUN rm /w/deleted.bin
RUN head -c 200000 /dev/zero > /w/over.bin
RUN rm -rf /w/dir
RUN rm -rf /w/opq && mkdir /w/opq && echo hi > /w/opq/new
`;
