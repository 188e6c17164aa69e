/**
 * Live capture on the loopback interface with a capture filter on one TCP port (the test's own
 * ephemeral listener), written to a temporary pcapng file and then dissected offline like every
 * other interop test. Needs capture rights (root in CI); failing to start is a test failure.
 *
 * "Capturing on" is printed before dumpcap delivers packets, so instead of sleeping we prove the
 * capture is live: tshark also prints a summary line per packet (-P -l), and a probe connection to
 * the port must show up there before the scenario runs, and again after it (packets arrive in
 * order, so once the closing probe is seen everything before it has been captured).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TSHARK_TEST_TIMEOUT_MS, tsharkVersion } from './tshark';

const PROBE_TIMEOUT_MS = 30_000;

/** Jest timeout for a test that captures live (see TSHARK_TEST_TIMEOUT_MS). */
export const LIVE_CAPTURE_TEST_TIMEOUT_MS = TSHARK_TEST_TIMEOUT_MS;

/** Opens and cleanly closes one TCP connection to 127.0.0.1:port; resolves with its local port. */
function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      const local = s.localPort!;
      s.end();
      s.on('close', () => resolve(local));
    });
    s.on('error', reject);
  });
}

/** Captures TCP traffic to/from `ports` (the first one is probed) while `run` runs. */
export async function captureLoopback<T>(
  ports: number | number[],
  run: () => Promise<T>,
): Promise<{ result: T; pcap: Buffer }> {
  const list = Array.isArray(ports) ? ports : [ports];
  const port = list[0];
  const filter = list.map((p) => `tcp port ${p}`).join(' or ');
  tsharkVersion();
  const dir = mkdtempSync(path.join(tmpdir(), 'dmb-capture-'));
  const file = path.join(dir, 'live.pcapng');
  // Its own process group: tshark runs dumpcap as a child, and killing only tshark (SIGKILL on
  // a failure) would leave dumpcap capturing for ever.
  const child = spawn('tshark', ['-n', '-l', '-P', '-i', 'lo', '-f', filter, '-w', file], {
    env: { ...process.env, WIRESHARK_CONFIG_DIR: dir, XDG_CONFIG_HOME: dir, HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  /** Probes until tshark has printed a packet of a probe connection. */
  const seeProbe = async (): Promise<void> => {
    const deadline = Date.now() + PROBE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`tshark exited (${child.exitCode}): ${stderr.trim()}`);
      const local = await probe(port);
      for (let i = 0; i < 20; i++) {
        if (new RegExp(`\\b${local}\\s+(→|->)\\s+${port}\\b`).test(stdout)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(
      `tshark -i lo captured none of the probe connections to port ${port}: ${stderr.trim()}`,
    );
  };

  try {
    await seeProbe();
    const result = await run();
    await seeProbe();
    child.kill('SIGINT');
    await exited;
    return { result, pcap: readFileSync(file) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup('SIGKILL');
      await exited;
    }
    signalGroup('SIGKILL'); // a dumpcap that outlived tshark
    rmSync(dir, { recursive: true, force: true });
  }
}
