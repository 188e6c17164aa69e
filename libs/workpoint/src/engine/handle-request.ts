import { WorkpointError } from '../errors';
import { itemKey, itemValue, normalizeMac, toInventory } from '../items';
import { buildDlsMessage } from '../message/build-message';
import { parseWorkpointMessage, sniffNonce } from '../message/parse-message';
import {
  checkItemLimit,
  deploymentGroupKey,
  itemLimit,
  splitWriteItems,
} from '../message/split-writes';
import { Action, OPENING_REASONS, WorkpointItem, WorkpointMessage, isReason } from '../types';
import { bodyHash } from './body-hash';
import {
  DEFAULT_ENGINE_CONFIG,
  EngineConfig,
  EngineInput,
  EngineOutput,
  DeferredJob,
  Interaction,
  OperationResult,
  PhoneState,
  ResultStatus,
  Task,
  WorkpointEvent,
  WorkpointJob,
} from './engine-types';
import { certificateFingerprint } from './certificate-fingerprint';
import {
  fileCount,
  isSecretItem,
  refuseSecureModeItems,
  restartItems,
  secureBootstrapItems,
  validateJob,
} from './operation-items';

const SEND_SOLICITED: WorkpointItem[] = [{ name: 'send-solicited', value: 'true' }];

/** Mutable context of one engine step. */
interface Step {
  cfg: EngineConfig;
  /** may secrets be written to this caller (EngineInput.transport.corroborated) */
  corroborated: boolean;
  state: PhoneState;
  nonce: string;
  now: number;
  events: WorkpointEvent[];
}

const dls = (nonce: string, action: Action, items: WorkpointItem[] = []) =>
  buildDlsMessage({ nonce, action, items });

function statusOf(results: OperationResult[]): ResultStatus {
  if (results.every((r) => r.status === 'succeeded')) return 'succeeded';
  if (results.every((r) => r.status === 'failed')) return 'failed';
  return 'partial';
}

function newPhoneState(mac: string, quarantined: boolean, now: number): PhoneState {
  return {
    v: 1,
    mac,
    registration: quarantined ? 'quarantined' : 'accepted',
    registered: false,
    inventory: {},
    maxItems: -1,
    finishedNonces: [],
    deferred: [],
    lastContactAt: now,
  };
}

/**
 * The Workpoint interaction engine: stored phone state + one phone request → the reply, the new
 * state and events. Pure: no clock, no randomness, no I/O (the adapter supplies `now`,
 * `newSession` and, for session-opening requests, the pending work).
 */
export function handleWorkpointRequest(input: EngineInput): EngineOutput {
  const cfg = { ...DEFAULT_ENGINE_CONFIG, ...input.config };
  let msg: WorkpointMessage;
  try {
    msg = input.message ?? parseWorkpointMessage(input.body);
  } catch (err) {
    return rejectUnparsable(input, (err as Error).message);
  }
  const itemMac = normalizeMac(itemValue(msg.items, 'mac-addr'));
  const mac = itemMac ?? input.state?.mac;
  if (!mac) {
    return {
      reply: dls(msg.nonce, 'CleanUp'),
      state: null,
      events: [
        { type: 'request-rejected', reason: 'no mac-addr and no session to identify the phone' },
      ],
    };
  }
  const hash = input.bodyHash ?? bodyHash(input.body);
  const own = (st: PhoneState): PhoneState => (input.mutableState ? st : structuredClone(st));
  const session = input.session ?? '';
  const prev = input.state?.mac === mac ? input.state : undefined;

  // An exact retransmission gets exactly the same reply, with no new effects.
  if (
    prev?.last &&
    prev.last.nonce === msg.nonce &&
    prev.last.hash === hash &&
    prev.last.session === session &&
    (input.connection === undefined || prev.last.connection !== input.connection)
  ) {
    return { reply: prev.last.reply, events: [], mac, session: prev.interaction?.id };
  }

  const events: WorkpointEvent[] = [];
  const base: Omit<Step, 'state'> = {
    cfg,
    corroborated: input.transport.corroborated !== false,
    nonce: msg.nonce,
    now: input.now,
    events,
  };
  let state: PhoneState | null;
  let reply: string;

  if (
    prev &&
    prev.finishedNonces.includes(msg.nonce) &&
    !prev.interaction?.nonces.includes(msg.nonce)
  ) {
    events.push({ type: 'request-rejected', mac, reason: 'nonce of a finished interaction' });
    return { reply: dls(msg.nonce, 'CleanUp'), events, mac };
  }

  // the binding kept by the job source (core: with the device) holds even without phone state
  const sourcePin = input.work?.certFingerprint?.toUpperCase();
  if ((prev?.secureMode?.state === 'active' || sourcePin) && !input.transport.secure) {
    events.push({
      type: 'request-rejected',
      mac,
      reason: 'phone is in secure mode; requests on the default port are refused',
    });
    return { reply: dls(msg.nonce, 'CleanUp'), events, mac };
  }

  // Secure mode binds the phone to the certificate installed in it: another certificate of the
  // same CA (another phone's) may not speak for this MAC.
  const boundCert = prev?.secureMode?.certFingerprint ?? sourcePin;
  if (
    input.transport.secure &&
    boundCert &&
    input.transport.clientCertFingerprint?.toUpperCase() !== boundCert
  ) {
    events.push({
      type: 'request-rejected',
      mac,
      reason: "client certificate is not the one installed in this phone's secure mode",
    });
    return { reply: dls(msg.nonce, 'CleanUp'), events, mac };
  }

  if (!isReason(msg.reason)) {
    state = prev ? own(prev) : null;
    if (state) abortInteraction({ ...base, state }, `unknown reason "${msg.reason}"`);
    events.push({ type: 'request-rejected', mac, reason: `unknown reason "${msg.reason}"` });
    reply = dls(msg.nonce, 'CleanUp');
  } else if (OPENING_REASONS.has(msg.reason)) {
    const opened = openInteraction(base, prev && own(prev), mac, msg, input);
    state = opened.state;
    reply = opened.reply;
  } else if (!prev) {
    events.push({ type: 'request-rejected', mac, reason: `${msg.reason} from an unknown phone` });
    return { reply: dls(msg.nonce, 'CleanUp'), state: null, events, mac };
  } else {
    state = own(prev);
    state.maxItems = msg.maxItems;
    const st: Step = { ...base, state };
    if (msg.reason === 'clean-up') {
      const why = itemValue(msg.items, 'cleanup-reason') ?? '';
      events.push({ type: 'phone-clean-up', mac, reason: why });
      strike(st, `clean-up "${why}"`);
      reply = finishInteraction(st, false);
    } else reply = continueInteraction(st, msg);
  }

  if (state) {
    state.maxItems = msg.maxItems;
    state.lastContactAt = input.now;
    state.last = { session, nonce: msg.nonce, hash, reply, connection: input.connection };
    // A phone served over mutual TLS is bound to the first certificate it shows (one bootstrapped
    // by us is bound to ours already): another one is refused, and so is plain mode, from now on.
    const fp = input.transport.clientCertFingerprint?.toUpperCase();
    if (input.transport.secure && fp && !state.secureMode?.certFingerprint) {
      state.secureMode = {
        state: 'active',
        securePort: state.secureMode?.securePort ?? 0,
        certFingerprint: fp,
      };
      events.push({ type: 'secure-mode-active', mac, certFingerprint: fp });
    }
  }
  return { reply, state, events, session: state?.interaction?.id, mac };
}

function rejectUnparsable(input: EngineInput, why: string): EngineOutput {
  const nonce = sniffNonce(input.body);
  const events: WorkpointEvent[] = [
    { type: 'request-rejected', mac: input.state?.mac, reason: `unparsable request: ${why}` },
  ];
  let state: PhoneState | undefined;
  if (input.state?.interaction) {
    state = structuredClone(input.state);
    abortInteraction(
      {
        cfg: { ...DEFAULT_ENGINE_CONFIG, ...input.config },
        corroborated: false,
        state,
        nonce,
        now: input.now,
        events,
      },
      'unparsable request',
    );
  }
  return { reply: dls(nonce, 'CleanUp'), state, events, mac: input.state?.mac };
}

function rememberNonces(st: Step, nonces: string[]): void {
  const merged = [...new Set([st.nonce, ...nonces, ...st.state.finishedNonces])];
  st.state.finishedNonces = merged.slice(0, st.cfg.nonceMemory);
}

/**
 * The phone ended the interaction while a job's message was out (clean-up, a reply that does
 * not fit, unparsable): one strike for that job; at `rejectionLimit` the job fails with `why`.
 */
function strike(st: Step, why: string): void {
  const ia = st.state.interaction;
  const task = ia?.tasks[0];
  if (!ia?.awaiting || task?.t !== 'op') return;
  const n = ((st.state.rejections ??= {})[task.jobId] ?? 0) + 1;
  st.state.rejections[task.jobId] = n;
  if (n < st.cfg.rejectionLimit) return;
  dropDeferred(st, task.jobId);
  const kind = ia.jobs.find((j) => j.id === task.jobId)!.operations[task.opIndex].kind;
  const results = [
    ...(st.state.progress?.[task.jobId]?.results ?? ia.jobResults),
    {
      kind,
      status: 'failed' as const,
      items: [],
      error: `the phone ended the interaction ${n} times at this operation (last: ${why})`,
    },
  ];
  ia.tasks = ia.tasks.filter((t) => !(t.t === 'op' && t.jobId === task.jobId));
  ia.jobResults = [];
  finishJob(st, task.jobId, results);
}

function abortInteraction(st: Step, reason: string, counts = true): void {
  const ia = st.state.interaction;
  if (!ia) return;
  if (counts) strike(st, reason);
  rememberNonces(
    st,
    ia.nonces.filter((n) => n !== st.nonce),
  );
  st.state.interaction = undefined;
  st.events.push({ type: 'interaction-aborted', mac: st.state.mac, reason });
}

/** Ends the interaction with CleanUp (optionally asking the phone to come back by itself). */
function finishInteraction(st: Step, wantSolicited: boolean): string {
  // a phone that accepts no items (maxItems=0) cannot be sent send-solicited
  const sendSolicited = wantSolicited && itemLimit(st.state.maxItems) >= 1;
  const ia = st.state.interaction;
  rememberNonces(st, ia?.nonces ?? []);
  st.state.interaction = undefined;
  if (sendSolicited) st.state.sendSolicitedAt = st.now;
  return dls(st.nonce, 'CleanUp', sendSolicited ? SEND_SOLICITED : []);
}

function openInteraction(
  base: Omit<Step, 'state'>,
  prev: PhoneState | undefined,
  mac: string,
  msg: WorkpointMessage,
  input: EngineInput,
): { state: PhoneState | null; reply: string } {
  const { cfg, events } = base;
  let state: PhoneState;
  if (!prev) {
    const known = input.work?.known === true;
    if (cfg.registrationPolicy === 'refuse' && !known) {
      events.push({ type: 'phone-refused', mac });
      return { state: null, reply: dls(msg.nonce, 'CleanUp') };
    }
    state = newPhoneState(mac, cfg.registrationPolicy === 'quarantine' && !known, input.now);
  } else {
    state = prev; // already a private copy
  }
  state.maxItems = msg.maxItems;
  const st: Step = { ...base, state };
  if (state.interaction) {
    const expectedReboot =
      msg.reason === 'start-up' &&
      state.deferred.length > 0 &&
      state.interaction.awaiting?.action !== 'WriteItems';
    if (expectedReboot) {
      rememberNonces(st, state.interaction.nonces);
      state.interaction = undefined;
    } else abortInteraction(st, `superseded by ${msg.reason}`);
  }

  // What the phone tells us about itself.
  const reported = msg.items.filter((i) => i.status === undefined && i.name !== 'cleanup-reason');
  const changeReport = msg.reason === 'local-changes' || msg.reason === 'inventory-changes';
  // older firmware reports a change without the changed items: then read them all
  let changesUnsaid = false;
  if (changeReport) {
    const changed = reported.filter((i) => state.inventory[itemKey(i)] !== i.value);
    if (changed.length > 0 && state.registered)
      events.push({ type: 'inventory-changed', mac, items: changed });
    changesUnsaid = changed.length === 0;
  }
  for (const it of reported) state.inventory[itemKey(it)] = it.value;

  if (msg.reason === 'start-up' || msg.reason === 'solicited') state.sendSolicitedAt = undefined;
  resolveDeferred(st, msg, input.transport);

  const tasks: Task[] = [];
  const readInventory =
    !state.registered ||
    changesUnsaid ||
    state.deferred.some((d) => d.files !== undefined) ||
    (msg.reason === 'start-up' && itemValue(msg.items, 'configuration-changed-flag') !== 'false');
  if (readInventory) tasks.push({ t: 'inventory' });
  const work = input.work ?? { jobs: [] };
  if (state.registration === 'accepted' && work.desired && work.desired.length > 0)
    tasks.push({ t: 'desired' });
  const jobs: WorkpointJob[] = [];
  // jobs completed by this very contact (deferred completions) may still be in the snapshot
  const finishedNow = new Set(
    events.flatMap((e) => (e.type === 'job-finished' ? [e.outcome.jobId] : [])),
  );
  for (const job of work.jobs) {
    if (state.deferred.some((d) => d.jobId === job.id) || finishedNow.has(job.id)) continue;
    try {
      validateJob(job);
    } catch (err) {
      finishJob(st, job.id, [
        {
          kind: job.operations?.[0]?.kind ?? 'write',
          status: 'failed',
          items: [],
          error: (err as Error).message,
        },
      ]);
      continue;
    }
    jobs.push(job);
  }
  const served = cfg.jobsPerInteraction === 'one' ? jobs.slice(0, 1) : jobs;
  // bookkeeping only for jobs still pending
  const pending = new Set(work.jobs.map((j) => j.id));
  state.progress = keepOnly(state.progress, pending);
  state.rejections = keepOnly(state.rejections, pending);
  for (const job of served) {
    const resume = state.progress?.[job.id];
    const from = resume && resume.next < job.operations.length ? resume.next : 0;
    for (let i = from; i < job.operations.length; i++)
      tasks.push({
        t: 'op',
        jobId: job.id,
        opIndex: i,
        last: i === job.operations.length - 1,
        ...(i === from && from > 0 ? { prior: resume!.results } : {}),
      });
  }
  state.interaction = {
    id: input.newSession,
    openedBy: msg.reason,
    nonces: [msg.nonce],
    tasks,
    jobs: served,
    desired: work.desired,
    jobResults: [],
    finishedJobs: 0,
    moreWaiting: jobs.length > served.length,
  };
  return { state, reply: advance(st) };
}

/** Completions seen only at a later contact: reboot after Restart/SoftwareDeployment, file status, secure start-up. */
function resolveDeferred(
  st: Step,
  msg: WorkpointMessage,
  transport: EngineInput['transport'],
): void {
  const state = st.state;
  const sm = state.secureMode;
  const shown = transport.clientCertFingerprint?.toUpperCase();
  if (msg.reason === 'start-up' && transport.secure && sm?.state === 'bootstrapping') {
    // a certificate we could not fingerprint at the offer is bound to the one the phone shows
    const certFingerprint = sm.certFingerprint ?? shown;
    state.secureMode = { ...sm, state: 'active', ...(certFingerprint ? { certFingerprint } : {}) };
    st.events.push({
      type: 'secure-mode-active',
      mac: state.mac,
      ...(certFingerprint ? { certFingerprint } : {}),
    });
  }
  // The bootstrap's `accepted` never arrived (session cut), but the phone proves it applied it:
  // it starts up over mutual TLS with the very certificate we offered.
  if (
    msg.reason === 'start-up' &&
    transport.secure &&
    sm?.state === 'offered' &&
    sm.certFingerprint !== undefined &&
    shown === sm.certFingerprint
  ) {
    state.secureMode = {
      state: 'active',
      securePort: sm.securePort,
      certFingerprint: sm.certFingerprint,
    };
    st.events.push({
      type: 'secure-mode-active',
      mac: state.mac,
      certFingerprint: sm.certFingerprint,
    });
    if (sm.jobId)
      finishJob(st, sm.jobId, [
        ...(sm.results ?? []),
        { kind: 'secure-bootstrap', status: 'succeeded', items: [] },
      ]);
  }
  const keep = [];
  for (const d of state.deferred) {
    const result = deferredResult(d, msg, state);
    if (result) finishJob(st, d.jobId, [...d.results, result]);
    else keep.push(d);
  }
  state.deferred = keep;
}

function deferredResult(
  d: DeferredJob,
  msg: WorkpointMessage,
  state: PhoneState,
): OperationResult | undefined {
  if (msg.reason === 'start-up') {
    if (d.kind === 'restart') return { kind: 'restart', status: 'succeeded', items: [] };
    if (d.kind === 'secure-bootstrap' && state.secureMode?.state === 'active')
      return { kind: 'secure-bootstrap', status: 'succeeded', items: [] };
    if (d.kind === 'software-deploy') {
      const version = itemValue(msg.items, 'software-version') ?? '';
      const ok = version.trim() === (d.version ?? '').trim();
      return {
        kind: 'software-deploy',
        status: ok ? 'succeeded' : 'failed',
        items: [{ name: 'software-version', value: version }],
        error: ok
          ? undefined
          : `phone restarted with software-version "${version}", expected "${d.version}"`,
      };
    }
  }
  if (msg.reason === 'status' && d.kind === 'file-deploy' && !d.files) {
    const status = itemValue(msg.items, 'file-deployment-status') ?? '';
    const ok = status === 'ok';
    return {
      kind: 'file-deploy',
      status: ok ? 'succeeded' : 'failed',
      items: msg.items.filter((i) => i.name.startsWith('file-deployment-')),
      error: ok ? undefined : `file deployment status "${status || 'missing'}"`,
    };
  }
  return undefined;
}

function finishJob(st: Step, jobId: string, results: OperationResult[]): void {
  st.state.progress = keepOnly(st.state.progress, new Set([jobId]), true);
  st.state.rejections = keepOnly(st.state.rejections, new Set([jobId]), true);
  st.events.push({
    type: 'job-finished',
    mac: st.state.mac,
    outcome: { jobId, status: statusOf(results), results },
  });
}

/** Result of the current op; finishes the job when it was the job's last op. */
function completeOp(
  st: Step,
  ia: Interaction,
  task: Task & { t: 'op' },
  result: OperationResult,
): void {
  ia.jobResults.push(result);
  if (result.status === 'failed') {
    // the rest of this job is not attempted
    ia.tasks = ia.tasks.filter((t) => !(t.t === 'op' && t.jobId === task.jobId));
    finishJob(st, task.jobId, ia.jobResults);
    ia.jobResults = [];
    ia.finishedJobs++;
    return;
  }
  if (task.last) {
    finishJob(st, task.jobId, ia.jobResults);
    ia.jobResults = [];
    ia.finishedJobs++;
  }
}

/** Sends the next message of the interaction (or CleanUp when nothing is left). */
function advance(st: Step): string {
  const ia = st.state.interaction!;
  for (;;) {
    const task = ia.tasks[0];
    if (!task) return finishInteraction(st, ia.moreWaiting === true);
    if (task.t === 'inventory') {
      ia.awaiting = { action: 'ReadAllItems', rx: [] };
      return dls(st.nonce, 'ReadAllItems');
    }
    if (task.t === 'desired') {
      const wanted = ia.desired ?? [];
      try {
        refuseSecureModeItems(wanted, 'desired state');
      } catch (err) {
        ia.tasks.shift();
        st.events.push({
          type: 'request-rejected',
          mac: st.state.mac,
          reason: (err as Error).message,
        });
        continue;
      }
      let diff = wanted.filter((d) => st.state.inventory[itemKey(d)] !== d.value);
      if (!st.corroborated && diff.some((d) => isSecretItem(d.name))) {
        const held = diff.filter((d) => isSecretItem(d.name)).map((d) => itemKey(d));
        diff = diff.filter((d) => !isSecretItem(d.name));
        st.events.push({
          type: 'request-rejected',
          mac: st.state.mac,
          reason: `secure-mode-required: desired ${held.join(', ')} not written to an uncorroborated caller`,
        });
      }
      if (diff.length === 0) {
        ia.tasks.shift();
        continue;
      }
      try {
        return startWrite(st, ia, diff);
      } catch (err) {
        if (!(err instanceof WorkpointError)) throw err;
        ia.tasks.shift();
        st.events.push({
          type: 'request-rejected',
          mac: st.state.mac,
          reason: `desired state: ${err.message}`,
        });
        continue;
      }
    }
    const job = ia.jobs.find((j) => j.id === task.jobId)!;
    const op = job.operations[task.opIndex];
    if (task.prior) {
      ia.jobResults = [...task.prior];
      delete task.prior;
    }
    if (!st.corroborated && carriesSecrets(op)) {
      // not to this caller: the job waits for the phone itself (or secure mode)
      ia.tasks = ia.tasks.filter((t) => !(t.t === 'op' && t.jobId === task.jobId));
      ia.jobResults = [];
      st.events.push({
        type: 'request-rejected',
        mac: st.state.mac,
        reason: `secure-mode-required: job ${task.jobId} carries secrets and this caller's identity is not corroborated; it waits`,
      });
      continue;
    }
    try {
      switch (op.kind) {
        case 'read-all':
          ia.awaiting = { action: 'ReadAllItems', rx: [] };
          return dls(st.nonce, 'ReadAllItems');
        case 'read': {
          const names = op.items.map((i) => ({ name: i.name, index: i.index, value: '' }));
          checkItemLimit(Math.min(names.length, 1), st.state.maxItems, 'ReadItems');
          const limit = Math.min(itemLimit(st.state.maxItems), names.length);
          const chunks: WorkpointItem[][] = [];
          for (let i = 0; i < names.length; i += limit) chunks.push(names.slice(i, i + limit));
          const reply = dls(st.nonce, 'ReadItems', chunks.shift()!);
          ia.awaiting = { action: 'ReadItems', rx: [], chunks };
          return reply;
        }
        case 'write':
          return startWrite(st, ia, op.items);
        case 'secure-bootstrap': {
          const reply = startWrite(st, ia, secureBootstrapItems(op));
          if (st.state.secureMode?.state !== 'active') {
            // stored before the certificate leaves: a cut session cannot lose which one it was
            const certFingerprint = certificateFingerprint(op.clientCertificate);
            st.state.secureMode = {
              state: 'offered',
              securePort: op.securePort,
              ...(certFingerprint ? { certFingerprint } : {}),
              jobId: job.id,
              results: [...ia.jobResults],
            };
          }
          return reply;
        }
        case 'restart': {
          const items = restartItems(op);
          checkItemLimit(items.length, st.state.maxItems, 'Restart');
          const reply = dls(st.nonce, 'Restart', items);
          st.state.deferred.push({
            jobId: job.id,
            kind: 'restart',
            results: ia.jobResults,
            since: st.now,
          });
          ia.awaiting = { action: 'Restart' };
          return reply;
        }
        case 'software-deploy': {
          checkItemLimit(op.items.length, st.state.maxItems, 'SoftwareDeployment');
          const reply = dls(st.nonce, 'SoftwareDeployment', op.items);
          st.state.deferred.push({
            jobId: job.id,
            kind: 'software-deploy',
            results: ia.jobResults,
            version: op.version,
            since: st.now,
          });
          ia.awaiting = { action: 'SoftwareDeployment' };
          return reply;
        }
        case 'file-deploy': {
          // several files beyond maxItems: successive FileDeployment messages, whole files each
          const chunks = splitWriteItems(
            op.items,
            st.state.maxItems,
            st.cfg.writeByteBudget,
            deploymentGroupKey,
          );
          const reply = dls(st.nonce, 'FileDeployment', chunks.shift()!);
          ia.awaiting = { action: 'FileDeployment', chunks };
          return reply;
        }
      }
    } catch (err) {
      if (!(err instanceof WorkpointError)) throw err;
      ia.tasks.shift();
      completeOp(st, ia, task, { kind: op.kind, status: 'failed', items: [], error: err.message });
      continue;
    }
  }
}

function startWrite(st: Step, ia: Interaction, items: WorkpointItem[]): string {
  const chunks = splitWriteItems(items, st.state.maxItems, st.cfg.writeByteBudget);
  const first = chunks.shift()!;
  const reply = dls(st.nonce, 'WriteItems', first);
  ia.awaiting = { action: 'WriteItems', chunks, refused: [], written: first };
  return reply;
}

function continueInteraction(st: Step, msg: WorkpointMessage): string {
  const ia = st.state.interaction;
  const aw = ia?.awaiting;
  if (!ia || !aw) {
    st.events.push({
      type: 'request-rejected',
      mac: st.state.mac,
      reason: `${msg.reason} without an open interaction`,
    });
    return finishInteraction(st, false);
  }
  if (msg.action !== aw.action) {
    abortInteraction(st, `reply-to ${msg.action ?? '(no action)'} while waiting for ${aw.action}`);
    return dls(st.nonce, 'CleanUp');
  }
  if (!ia.nonces.includes(msg.nonce)) ia.nonces.push(msg.nonce);
  const task = ia.tasks[0];
  // seed 000 writes "a 'Busy' status response": status values are compared without case
  const status = (msg.status ?? 'accepted').toLowerCase();

  if (status === 'busy') {
    if (task?.t === 'op') {
      dropDeferred(st, task.jobId);
      // resume at this operation next time, keeping what the earlier ones obtained
      if (ia.jobResults.length > 0)
        (st.state.progress ??= {})[task.jobId] = {
          next: task.opIndex,
          results: [...ia.jobResults],
        };
    }
    if (aw.action === 'WriteItems') withdrawOffer(st);
    const pending = ia.jobs
      .map((j) => j.id)
      .filter((id) => ia.tasks.some((t) => t.t === 'op' && t.jobId === id));
    st.events.push({ type: 'phone-busy', mac: st.state.mac, at: st.now, pendingJobIds: pending });
    return finishInteraction(st, true);
  }

  if (status !== 'accepted') {
    const error = `phone answered ${aw.action} with status "${msg.status}"`;
    ia.tasks.shift();
    ia.awaiting = undefined;
    if (task?.t === 'op') {
      dropDeferred(st, task.jobId);
      const kind = ia.jobs.find((j) => j.id === task.jobId)!.operations[task.opIndex].kind;
      if (kind === 'secure-bootstrap') withdrawOffer(st);
      completeOp(st, ia, task, { kind, status: 'failed', items: msg.items, error });
    } else st.events.push({ type: 'request-rejected', mac: st.state.mac, reason: error });
    return advance(st);
  }

  if (msg.fragment === 'next') {
    if ('rx' in aw) {
      aw.rx.push(...msg.items);
      const frag = (aw.frag ??= { n: 0, bytes: 0, since: st.now });
      frag.n++;
      for (const it of msg.items) frag.bytes += it.name.length + it.value.length;
      const lim = st.cfg.fragmentLimits;
      const over =
        frag.n > lim.fragments
          ? `more than ${lim.fragments} fragments`
          : aw.rx.length > lim.items
            ? `more than ${lim.items} items`
            : frag.bytes > lim.bytes
              ? `more than ${lim.bytes} bytes`
              : st.now - frag.since > lim.ms
                ? `longer than ${lim.ms} ms`
                : undefined;
      if (over) {
        const reason = `fragmented reply ${over}`;
        abortInteraction(st, reason);
        st.events.push({ type: 'request-rejected', mac: st.state.mac, reason });
        return dls(st.nonce, 'CleanUp');
      }
    }
    return dls(st.nonce, 'GetNextFragment');
  }

  switch (aw.action) {
    case 'ReadAllItems':
    case 'ReadItems': {
      const next = aw.chunks?.shift();
      if (next) {
        aw.rx.push(...msg.items);
        return dls(st.nonce, 'ReadItems', next);
      }
      const items = aw.rx.length > 0 ? [...aw.rx, ...msg.items] : msg.items;
      ia.tasks.shift();
      ia.awaiting = undefined;
      onRead(st, aw.action, items);
      if (task?.t === 'op') {
        const failed = items.filter((i) => i.status !== undefined).length;
        const status: ResultStatus =
          aw.action === 'ReadAllItems' || failed === 0
            ? 'succeeded'
            : failed === items.length
              ? 'failed'
              : 'partial';
        completeOp(st, ia, task, {
          kind: aw.action === 'ReadAllItems' ? 'read-all' : 'read',
          status,
          items,
        });
      }
      return advance(st);
    }
    case 'WriteItems': {
      aw.refused.push(...msg.items.filter((i) => i.status !== undefined));
      const next = aw.chunks.shift();
      if (next) {
        aw.written.push(...next);
        return dls(st.nonce, 'WriteItems', next);
      }
      ia.tasks.shift();
      ia.awaiting = undefined;
      const refusedKeys = new Set(aw.refused.map(itemKey));
      const applied = aw.written.filter((i) => !refusedKeys.has(itemKey(i)));
      for (const it of applied) st.state.inventory[itemKey(it)] = it.value;
      if (task?.t !== 'op') return advance(st);
      const op = ia.jobs.find((j) => j.id === task.jobId)!.operations[task.opIndex];
      const status: ResultStatus =
        aw.refused.length === 0 ? 'succeeded' : applied.length === 0 ? 'failed' : 'partial';
      if (op.kind === 'secure-bootstrap' && status === 'succeeded') {
        const certFingerprint = certificateFingerprint(op.clientCertificate);
        st.state.secureMode = {
          state: 'bootstrapping',
          securePort: op.securePort,
          ...(certFingerprint ? { certFingerprint } : {}),
        };
        st.state.deferred.push({
          jobId: task.jobId,
          kind: 'secure-bootstrap',
          results: ia.jobResults,
          since: st.now,
        });
        // the phone now moves to the secure port: nothing more on this connection
        return finishInteraction(st, false);
      }
      if (op.kind === 'secure-bootstrap') withdrawOffer(st);
      completeOp(st, ia, task, {
        kind: op.kind,
        status,
        items: aw.refused,
        error: status === 'succeeded' ? undefined : `${aw.refused.length} item(s) refused`,
      });
      return advance(st);
    }
    case 'FileDeployment': {
      const nextFiles = aw.chunks?.shift();
      if (nextFiles) return dls(st.nonce, 'FileDeployment', nextFiles);
      ia.tasks.shift();
      ia.awaiting = undefined;
      const op =
        task?.t === 'op'
          ? ia.jobs.find((j) => j.id === task.jobId)!.operations[task.opIndex]
          : undefined;
      if (task?.t === 'op' && op?.kind === 'file-deploy') {
        if (fileCount(op.items) <= 1) {
          // a single file is confirmed later by a `status` contact (DG p.52-54)
          st.state.deferred.push({
            jobId: task.jobId,
            kind: 'file-deploy',
            results: ia.jobResults,
            since: st.now,
          });
          ia.jobResults = [];
        } else {
          // several files: no status message follows (DG p.55); a ReadAllItems tells, now or at
          // a later contact, through the phone's file-deployment-*[i] items
          const files = [...new Set(op.items.map((i) => i.index ?? 0))];
          st.state.deferred.push({
            jobId: task.jobId,
            kind: 'file-deploy',
            results: ia.jobResults,
            since: st.now,
            files,
            baseline: fileReports(st.state.inventory, files),
          });
          ia.jobResults = [];
          ia.tasks.unshift({ t: 'inventory' });
        }
      }
      return advance(st);
    }
    case 'SoftwareDeployment':
    case 'Restart':
      // the phone reboots now; completion is seen at its next start-up
      return finishInteraction(st, false);
  }
}

/** The phone refused the bootstrap: it never got the offered certificate. */
function withdrawOffer(st: Step): void {
  if (st.state.secureMode?.state === 'offered') st.state.secureMode = undefined;
}

function dropDeferred(st: Step, jobId: string): void {
  st.state.deferred = st.state.deferred.filter((d) => d.jobId !== jobId);
}

/** `file-deployment-*[i]` values of the inventory for the given file indexes. */
function fileReports(inventory: Record<string, string>, files: number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of files)
    for (const f of ['status', 'name', 'date', 'time']) {
      const k = `file-deployment-${f}[${i}]`;
      if (inventory[k] !== undefined) out[k] = inventory[k];
    }
  return out;
}

/** Multi-file deployments whose every file has a fresh report after this ReadAllItems. */
function verifyFileDeployments(st: Step): void {
  const keep: DeferredJob[] = [];
  for (const d of st.state.deferred) {
    if (!d.files) {
      keep.push(d);
      continue;
    }
    const now = fileReports(st.state.inventory, d.files);
    const fresh = d.files.every((i) => {
      const k = `file-deployment-status[${i}]`;
      if (now[k] === undefined) return false;
      return ['status', 'name', 'date', 'time'].some((f) => {
        const key = `file-deployment-${f}[${i}]`;
        return now[key] !== d.baseline?.[key];
      });
    });
    if (!fresh) {
      keep.push(d);
      continue;
    }
    const failed = d.files.filter((i) => now[`file-deployment-status[${i}]`] !== 'ok');
    const items = Object.entries(now).map(([key, value]) => {
      const m = /^(.*)\[(\d+)\]$/.exec(key)!;
      return { name: m[1], index: Number(m[2]), value };
    });
    finishJob(st, d.jobId, [
      ...d.results,
      {
        kind: 'file-deploy',
        status:
          failed.length === 0
            ? 'succeeded'
            : failed.length === d.files.length
              ? 'failed'
              : 'partial',
        items,
        error: failed.length
          ? `file deployment status not ok for file(s) ${failed.join(', ')}`
          : undefined,
      },
    ]);
  }
  st.state.deferred = keep;
}

function onRead(st: Step, action: 'ReadAllItems' | 'ReadItems', items: WorkpointItem[]): void {
  const inv = toInventory(items);
  if (action === 'ReadAllItems') {
    const before = st.state.inventory;
    const changed = items.filter((i) => i.status === undefined && before[itemKey(i)] !== i.value);
    Object.assign(before, inv);
    if (!st.state.registered) {
      st.state.registered = true;
      st.events.push({
        type: 'phone-registered',
        mac: st.state.mac,
        quarantined: st.state.registration === 'quarantined',
        inventory: st.state.inventory,
      });
    } else if (changed.length > 0)
      st.events.push({ type: 'inventory-changed', mac: st.state.mac, items: changed });
    verifyFileDeployments(st);
  } else Object.assign(st.state.inventory, inv);
}

/** The entries of `map` for `ids` (or all but those, `drop`); undefined when none is left. */
function keepOnly<T>(
  map: Record<string, T> | undefined,
  ids: Set<string>,
  drop = false,
): Record<string, T> | undefined {
  if (!map) return undefined;
  const kept = Object.entries(map).filter(([id]) => ids.has(id) !== drop);
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/** Operations that would hand a secret to the caller (passwords, keys, the client certificate). */
function carriesSecrets(op: WorkpointJob['operations'][number]): boolean {
  if (op.kind === 'secure-bootstrap') return true;
  if ('items' in op && Array.isArray(op.items))
    return op.items.some((i) => isSecretItem(i.name) && 'value' in i);
  return false;
}
