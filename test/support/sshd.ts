// An ssh endpoint for the engine (DOCKER_HOST=ssh://…): a private sshd on 127.0.0.1 with a fresh host key, a key
// loaded into a private ssh-agent, and `docker system dial-stdio` on the "remote" side (this machine's docker CLI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';

export const SSHD = '/usr/sbin/sshd';

export interface SshEndpoint {
  readonly url: string;
  readonly env: Record<string, string>;
  stop(): void;
}

// Polls until sshd accepts a connection. sshd has no readiness signal, and on a loaded machine it can take seconds
// to start, so the wait is bounded by time (not by a count of tries) and ends early, with sshd's log, if sshd exits.
function waitForPort(port: number, sshd: ChildProcess, logFile: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (sshd.exitCode !== null) {
        reject(new Error(`sshd exited (${sshd.exitCode}) before listening on ${port}: ${readLog(logFile)}`));
        return;
      }
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until)
          reject(new Error(`sshd never listened on ${port} within ${deadlineMs} ms: ${readLog(logFile)}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

async function waitForFile(path: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`ssh-agent never created ${path} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim() || '(empty log)';
  } catch {
    return '(no log)';
  }
}

export async function startSsh(port: number): Promise<SshEndpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'dfsize-ssh-'));
  for (const key of ['hostkey', 'userkey']) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)]);
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr.toString()}`);
  }
  spawnSync('cp', [join(dir, 'userkey.pub'), join(dir, 'authorized_keys')]);
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'hostkey')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`,
    ].join('\n') + '\n',
  );
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')], {
    stdio: 'ignore',
  });
  const agentSock = join(dir, 'agent.sock');
  const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  const stop = () => {
    sshd.kill();
    agent.kill();
  };
  try {
    await waitForPort(port, sshd, join(dir, 'sshd.log'));
    await waitForFile(agentSock);
    const added = spawnSync('ssh-add', ['-q', join(dir, 'userkey')], {
      env: { ...process.env, SSH_AUTH_SOCK: agentSock },
    });
    if (added.status !== 0) throw new Error(`ssh-add failed: ${added.stderr.toString()}`);
  } catch (e) {
    stop(); // a failed start must not leave sshd and the agent behind
    throw e;
  }
  return {
    url: `ssh://root@127.0.0.1:${port}`,
    env: { SSH_AUTH_SOCK: agentSock },
    stop,
  };
}
