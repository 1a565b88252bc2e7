/**
 * The device side of the interop tests, run in a child process (`node --import tsx device-client.ts
 * <plan.json>`): OpenSSL's pkcs11 engine and SoftHSM2 read their environment (SOFTHSM2_CONF,
 * PKCS11_MODULE_PATH) when the process first uses them, and a PKCS#11 module initialised twice in
 * one process (pkcs11js and the engine) is best avoided; a fresh process per device keeps each
 * device's TLS setup its own.
 *
 * The plan names the element (an emulated tray chip or a PKCS#11 token), the chain definition and
 * the connections to make; the result is one JSON line on stdout: for each connection, whether it
 * worked and what the peer said.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';
import { chainDefinitionFromJson } from '@keyline/core';
import { DeviceIdentity, type DeviceTlsOptions } from '@keyline/device';
import { Pkcs11Element, openTrayChip, type SecureElement } from '@keyline/se';
import { emulatorTlsKey } from '@keyline/se/emulator-tls';
import mqtt from 'mqtt';

export type ElementPlan =
  | { readonly kind: 'emulator'; readonly tray: string; readonly serial: string }
  | { readonly kind: 'pkcs11'; readonly label: string; readonly pin: string; readonly modulePath: string };

export type ActionPlan =
  | { readonly kind: 'https'; readonly url: string; readonly ca: string }
  /** Raw TLS: sends `send`, reads until the peer closes (openssl s_server -www answers a GET). */
  | { readonly kind: 'tls'; readonly host: string; readonly port: number; readonly ca: string; readonly send: string }
  | { readonly kind: 'mqtt'; readonly url: string; readonly ca: string; readonly topic: string };

export interface DevicePlan {
  readonly element: ElementPlan;
  readonly definition: string;
  readonly actions: readonly ActionPlan[];
}

export interface ActionResult {
  readonly kind: ActionPlan['kind'];
  readonly ok: boolean;
  /** What the peer answered (body, page, the message received back). */
  readonly data?: string;
  readonly error?: string;
}

export interface DeviceClientResult {
  readonly deviceId: string;
  readonly results: readonly ActionResult[];
}

const TIMEOUT_MS = 8_000;

async function openElement(
  plan: ElementPlan,
): Promise<{ element: SecureElement; tlsKey?: Awaited<ReturnType<typeof emulatorTlsKey>> }> {
  if (plan.kind === 'emulator') {
    const chip = await openTrayChip(plan.tray, plan.serial);
    return { element: chip.element(), tlsKey: await emulatorTlsKey(chip) };
  }
  return { element: await Pkcs11Element.open({ modulePath: plan.modulePath, tokenLabel: plan.label, pin: plan.pin }) };
}

function https(action: Extract<ActionPlan, { kind: 'https' }>, tls: ClientTls): Promise<ActionResult> {
  return new Promise((resolve) => {
    const req = httpsRequest(action.url, { ...tls, agent: false, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ kind: 'https', ok: res.statusCode === 200, data: body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ kind: 'https', ok: false, error: error.code ?? error.message }),
    );
    req.end();
  });
}

function rawTls(action: Extract<ActionPlan, { kind: 'tls' }>, tls: ClientTls): Promise<ActionResult> {
  return new Promise((resolve) => {
    let data = '';
    let failure: string | undefined;
    const socket = tlsConnect({ ...tls, host: action.host, port: action.port, servername: 'localhost' }, () => {
      socket.write(action.send);
    });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
    socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
    socket.on('close', () =>
      resolve({ kind: 'tls', ok: failure === undefined && data.length > 0, data, ...(failure && { error: failure }) }),
    );
  });
}

function mqttRoundTrip(action: Extract<ActionPlan, { kind: 'mqtt' }>, tls: ClientTls): Promise<ActionResult> {
  return new Promise((resolve) => {
    const message = `hello from the device ${Date.now()}`;
    let settled = false;
    const client = mqtt.connect(action.url, {
      ...tls,
      rejectUnauthorized: true,
      servername: 'localhost',
      reconnectPeriod: 0,
      connectTimeout: TIMEOUT_MS,
      clean: true,
    });
    const finish = (result: ActionResult): void => {
      if (settled) return;
      settled = true;
      client.end(true, () => resolve(result));
    };
    const timer = setTimeout(() => finish({ kind: 'mqtt', ok: false, error: 'timeout' }), TIMEOUT_MS);
    client.on('connect', () => {
      client.subscribe(action.topic, { qos: 1 }, (error) => {
        if (error) return finish({ kind: 'mqtt', ok: false, error: `subscribe: ${error.message}` });
        client.publish(action.topic, message, { qos: 1 });
      });
    });
    client.on('message', (_topic, payload) => {
      clearTimeout(timer);
      const data = payload.toString('utf8');
      finish({ kind: 'mqtt', ok: data === message, data });
    });
    client.on('error', (error: Error & { code?: unknown }) => {
      clearTimeout(timer);
      finish({ kind: 'mqtt', ok: false, error: typeof error.code === 'string' ? error.code : error.message });
    });
    client.on('close', () => {
      clearTimeout(timer);
      finish({ kind: 'mqtt', ok: false, error: 'closed' });
    });
  });
}

/**
 * One TLS context per set of options, made once: OpenSSL's pkcs11 engine, loaded by path for the
 * first context, refuses to be loaded by path again in the same process, so connections share it.
 */
const contexts = new Map<string, SecureContext>();
function contextFor(options: DeviceTlsOptions): SecureContext {
  const key = JSON.stringify(options);
  let context = contexts.get(key);
  if (context === undefined) {
    context = createSecureContext(options);
    contexts.set(key, context);
  }
  return context;
}

type ClientTls = { readonly secureContext: SecureContext };

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as DevicePlan;
  const definition = chainDefinitionFromJson(readFileSync(plan.definition, 'utf8'));
  const { element, tlsKey } = await openElement(plan.element);
  try {
    const identity = await DeviceIdentity.open(element, { definition, ...(tlsKey && { tlsKey }) });
    const results: ActionResult[] = [];
    for (const action of plan.actions) {
      const tls = { secureContext: contextFor(identity.tlsOptions({ ca: action.ca })) };
      if (action.kind === 'https') results.push(await https(action, tls));
      else if (action.kind === 'tls') results.push(await rawTls(action, tls));
      else results.push(await mqttRoundTrip(action, tls));
    }
    process.stdout.write(`${JSON.stringify({ deviceId: identity.deviceId, results } satisfies DeviceClientResult)}\n`);
  } finally {
    await element.close();
  }
}

await main();
