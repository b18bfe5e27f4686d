// An ssh endpoint for the engine (DOCKER_HOST=ssh://…): a private sshd on 127.0.0.1 with a fresh host key, a key
// loaded into a private ssh-agent, and `docker system dial-stdio` on the "remote" side (this machine's docker CLI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';

export const SSHD = '/usr/sbin/sshd';

export interface SshEndpoint {
  readonly url: string;
  readonly env: Record<string, string>;
  stop(): void;
}

function waitForPort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const attempt = () => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => { s.destroy(); if (++tries > 100) reject(new Error(`sshd never listened on ${port}`)); else setImmediate(attempt); });
    };
    attempt();
  });
}

export async function startSsh(port: number): Promise<SshEndpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-ssh-'));
  for (const key of ['hostkey', 'userkey']) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)]);
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  }
  spawnSync('cp', [join(dir, 'userkey.pub'), join(dir, 'authorized_keys')]);
  writeFileSync(join(dir, 'sshd_config'), [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'hostkey')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'PermitRootLogin prohibit-password', 'UsePAM no', 'StrictModes no',
    `PidFile ${join(dir, 'sshd.pid')}`].join('\n') + '\n');
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')], { stdio: 'ignore' });
  const agentSock = join(dir, 'agent.sock');
  const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  await waitForPort(port);
  for (let i = 0; !existsSync(agentSock) && i < 1000; i++) await new Promise((r) => setImmediate(r));
  const added = spawnSync('ssh-add', ['-q', join(dir, 'userkey')], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
  if (added.status !== 0) throw new Error(`ssh-add failed: ${added.stderr}`);
  return {
    url: `ssh://root@127.0.0.1:${port}`,
    env: { SSH_AUTH_SOCK: agentSock },
    stop: () => { sshd.kill(); agent.kill(); },
  };
}
