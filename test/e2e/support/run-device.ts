import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceClientResult, DevicePlan } from './device-client.js';

const CLIENT = join(import.meta.dirname, 'device-client.ts');
let plans = 0;

/** Runs the device side (device-client.ts) in a child process with `env`; resolves with its results. */
export function runDevice(dir: string, plan: DevicePlan, env: NodeJS.ProcessEnv): Promise<DeviceClientResult> {
  const planPath = join(dir, `device-plan-${++plans}.json`);
  writeFileSync(planPath, JSON.stringify(plan));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, planPath], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`device client exited with ${code}:\n${out}\n${err}`));
      else resolve(JSON.parse(line) as DeviceClientResult);
    });
  });
}
