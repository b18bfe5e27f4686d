// yum-dnf-cache: `<tool> clean all` appended with the tool that installed.
import { strict as assert } from 'node:assert';
import { assertIdempotent, df, fixWith, found } from '../../support/rules';

const CODE = 'yum-dnf-cache';

describe(`rule ${CODE}`, () => {
  it('fires on yum, dnf, microdnf and tdnf installs and updates', () => {
    const t = df(
      'FROM rockylinux:9',
      'RUN yum install -y a',
      'ENV X=1',
      'RUN dnf -y update',
      'ENV Y=1',
      'RUN microdnf install b',
      'ENV Z=1',
      'RUN tdnf install -y c',
    );
    assert.deepEqual(found(t, {}, CODE), [`${CODE}@2`, `${CODE}@4`, `${CODE}@6`, `${CODE}@8`]);
  });

  for (const run of [
    'microdnf install -y a && microdnf clean all',
    'set -eux; microdnf install -y $TOOLS; microdnf clean all',
    'dnf install -y a && rm -rf /var/cache/dnf',
    'dnf clean all',
    'yum --version',
  ]) {
    it(`stays silent: ${run}`, () => assert.deepEqual(found(df('FROM rockylinux:9', `RUN ${run}`), {}, CODE), []));
  }

  it('appends the clean of the tool that installed', () => {
    assert.equal(
      fixWith(df('FROM rockylinux:9', 'RUN microdnf install -y dnf'), CODE),
      df('FROM rockylinux:9', 'RUN microdnf install -y dnf && microdnf clean all'),
    );
    assert.equal(
      fixWith(df('FROM rockylinux:9', 'RUN yum install -y \\', '        httpd \\', '    && mkdir -p /x'), CODE),
      df(
        'FROM rockylinux:9',
        'RUN yum install -y \\',
        '        httpd \\',
        '    && mkdir -p /x \\',
        '    && yum clean all',
      ),
    );
  });

  it('is idempotent', () => assertIdempotent(df('FROM fedora', 'RUN dnf install -y a'), CODE));
});
