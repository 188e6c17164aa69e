import { WorkpointItem, WorkpointMessage } from '../types';

/** Phone-level operations the engine can carry out (its own command types, not core's model). */
export type WorkpointOperation =
  | { kind: 'read-all' }
  | { kind: 'read'; items: { name: string; index?: number }[] }
  | { kind: 'write'; items: WorkpointItem[] }
  | { kind: 'restart'; factoryReset?: boolean }
  /** file-* items (FTP or file-https-base-url); several indexes = multi-file deployment */
  | { kind: 'file-deploy'; items: WorkpointItem[] }
  /** file-* items with file-type=APP; `version` is the software-version expected after reboot */
  | { kind: 'software-deploy'; items: WorkpointItem[]; version: string }
  | {
      kind: 'secure-bootstrap';
      mode: 'nopin' | 'pin';
      /** PEM client certificate with its private key, as the phone stores it */
      clientCertificate: string;
      /** PEM CA certificates the phone will trust for the secure port */
      serverCa: string[];
      securePort: number;
    };

export interface WorkpointJob {
  id: string;
  operations: WorkpointOperation[];
}

export type ResultStatus = 'succeeded' | 'partial' | 'failed';

export interface OperationResult {
  kind: WorkpointOperation['kind'];
  status: ResultStatus;
  /** read: values read (items the phone could not read carry its item status);
   *  write: the items the phone refused, with their item status */
  items: WorkpointItem[];
  error?: string;
}

export interface JobOutcome {
  jobId: string;
  status: ResultStatus;
  results: OperationResult[];
}

export type RegistrationPolicy = 'accept' | 'quarantine' | 'refuse';

export interface EngineConfig {
  registrationPolicy: RegistrationPolicy;
  /** 'all': serve every pending job in one interaction; 'one': one job per interaction,
   *  chained with CleanUp + send-solicited while more wait (the DG worked example). */
  jobsPerInteraction: 'all' | 'one';
  writeByteBudget: number;
  /** how many finished-interaction nonces to remember for replay detection */
  nonceMemory: number;
  /**
   * A job whose message the phone answered this many times by ending the interaction (clean-up,
   * a reply that does not fit, unparsable) fails with the phone's reason instead of being
   * served again at every contact until its deadline.
   */
  rejectionLimit: number;
  /**
   * A fragmented reply (`fragment="next"` … `final`) is accumulated in the phone state: at most
   * this many fragments, items, bytes (names and values) and milliseconds, else the interaction
   * is aborted (no authentication is needed to send fragments).
   */
  fragmentLimits: { fragments: number; items: number; bytes: number; ms: number };
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  registrationPolicy: 'accept',
  jobsPerInteraction: 'all',
  writeByteBudget: 40_000,
  nonceMemory: 16,
  rejectionLimit: 3,
  fragmentLimits: { fragments: 256, items: 10_000, bytes: 2 << 20, ms: 120_000 },
};

/** One unit of work inside an interaction. */
export type Task =
  | { t: 'inventory' }
  | { t: 'desired' }
  | {
      t: 'op';
      jobId: string;
      opIndex: number;
      last: boolean;
      /** results of the job's earlier operations, obtained before the phone said busy */
      prior?: OperationResult[];
    };

/** What the engine waits for after its last message. */
export type Awaiting =
  /** `chunks`: further ReadItems lists still to send (a list longer than the phone's maxItems) */
  | {
      action: 'ReadAllItems' | 'ReadItems';
      rx: WorkpointItem[];
      chunks?: WorkpointItem[][];
      /** fragments (`fragment="next"`) received so far: count, bytes, when the first came */
      frag?: { n: number; bytes: number; since: number };
    }
  | {
      action: 'WriteItems';
      chunks: WorkpointItem[][];
      refused: WorkpointItem[];
      written: WorkpointItem[];
    }
  /** `chunks`: further FileDeployment messages (files beyond the phone's maxItems) */
  | { action: 'FileDeployment'; chunks?: WorkpointItem[][] }
  | { action: 'SoftwareDeployment' | 'Restart' };

export interface Interaction {
  /** session id (cookie) */
  id: string;
  openedBy: string;
  nonces: string[];
  tasks: Task[];
  jobs: WorkpointJob[];
  desired?: WorkpointItem[];
  /** results of the job in progress */
  jobResults: OperationResult[];
  awaiting?: Awaiting;
  /** jobs of this interaction finished so far */
  finishedJobs: number;
  /** more jobs wait beyond this interaction ('one' per interaction): close with send-solicited */
  moreWaiting?: boolean;
}

/** A job whose completion is only seen later (reboot, file status, secure start-up). */
export interface DeferredJob {
  jobId: string;
  kind: 'restart' | 'software-deploy' | 'file-deploy' | 'secure-bootstrap';
  results: OperationResult[];
  version?: string;
  since: number;
  /**
   * Multi-file deployment (DG p.55: no status message): the file indexes to find in a later
   * ReadAllItems as `file-deployment-status[i]`, and those items' values when it was sent
   * (an unchanged report is an older deployment's).
   */
  files?: number[];
  baseline?: Record<string, string>;
}

/** Everything the gateway keeps about one phone, keyed by MAC address; JSON-serialisable. */
export interface PhoneState {
  v: 1;
  mac: string;
  registration: 'accepted' | 'quarantined';
  /** true once the inventory has been read and the registration announced */
  registered: boolean;
  inventory: Record<string, string>;
  maxItems: number;
  /**
   * `offered`: the bootstrap WriteItems is on its way (stored before it leaves); plain mode is
   * still served, and a secure start-up with the offered certificate completes the bootstrap even
   * if the phone's `accepted` was lost. `bootstrapping`: the phone accepted; `active`: it came
   * back over mutual TLS.
   */
  secureMode?: {
    state: 'offered' | 'bootstrapping' | 'active';
    securePort: number;
    /** SHA-256 of the client certificate installed at bootstrap (certificateFingerprint) */
    certFingerprint?: string;
    /** offered: the bootstrap job and the results of its earlier operations */
    jobId?: string;
    results?: OperationResult[];
  };
  deferred: DeferredJob[];
  /** when a CleanUp with send-solicited was sent (the phone owes us a solicited call) */
  sendSolicitedAt?: number;
  interaction?: Interaction;
  /** last request/reply pair, for exact retransmissions */
  last?: { session: string; nonce: string; hash: string; reply: string; connection?: string };
  finishedNonces: string[];
  lastContactAt: number;
  /** the address the phone registered from (set by the adapter; corroborates its identity) */
  home?: string;
  /** the address the phone last spoke from (set by the adapter; contact-me fallback) */
  addr?: string;
  /** jobs interrupted by a busy phone: where to resume and what was obtained so far */
  progress?: Record<string, { next: number; results: OperationResult[] }>;
  /** how often the phone ended the interaction while a job's message was out (rejectionLimit) */
  rejections?: Record<string, number>;
  /** the adapter's session lease (opaque to the engine, carried along) */
  lease?: { handle: string; session: string };
}

export type WorkpointEvent =
  | {
      type: 'phone-registered';
      mac: string;
      quarantined: boolean;
      inventory: Record<string, string>;
    }
  | { type: 'phone-refused'; mac: string }
  | { type: 'inventory-changed'; mac: string; items: WorkpointItem[] }
  | { type: 'job-finished'; mac: string; outcome: JobOutcome }
  | { type: 'phone-busy'; mac: string; at: number; pendingJobIds: string[] }
  | { type: 'phone-clean-up'; mac: string; reason: string }
  | { type: 'interaction-aborted'; mac: string; reason: string }
  /** the phone is served over mutual TLS, bound to the certificate with this fingerprint */
  | { type: 'secure-mode-active'; mac: string; certFingerprint?: string }
  | { type: 'request-rejected'; mac?: string; reason: string }
  /** the MAC called from another address while its session from the known one was open */
  | { type: 'device-conflict'; mac: string; reason: string };

/** How the request reached the gateway (the adapter knows, the engine decides). */
export interface Transport {
  /** true on the secure-mode listener after client-certificate verification */
  secure: boolean;
  /** the verified client certificate's SHA-256 fingerprint (Node's `fingerprint256` form) */
  clientCertFingerprint?: string;
  /**
   * The adapter believes the caller is the phone (secure mode, the address recorded when it
   * registered, or a deployment that allows secrets in plain mode). When false, nothing secret
   * (passwords, keys, certificates) is written: `secure-mode-required`. Default true.
   */
  corroborated?: boolean;
}

export interface EngineInput {
  /** raw request body */
  body: string;
  /** the body already parsed by the adapter (saves a second parse); must come from `body` */
  message?: WorkpointMessage;
  /** identity hash of `body` if the adapter has a faster one (default: FNV-1a in JS) */
  bodyHash?: string;
  /** the engine may modify `state` in place (the adapter just parsed it and drops it) */
  mutableState?: boolean;
  /** stored state, undefined for a phone never seen */
  state?: PhoneState;
  /** session id from the request's cookie, if any */
  session?: string;
  /**
   * Identity of the TCP connection the request came on. A phone sends its next request on a
   * persistent connection only after it has read our reply, so an identical request on the
   * same connection is a new message (phones may keep one nonce for a whole interaction and
   * two successive reply-to can be byte-identical); on another connection it is a retransmission.
   */
  connection?: string;
  /** session id to use if this request opens an interaction */
  newSession: string;
  now: number;
  transport: Transport;
  /** pending jobs and desired items; needed only for session-opening requests */
  work?: {
    jobs: WorkpointJob[];
    desired?: WorkpointItem[];
    /**
     * The job source knows this phone (an operator created it): the registration policy, which
     * is about phones nobody announced, does not refuse or quarantine it.
     */
    known?: boolean;
    /**
     * The client certificate the job source has this phone bound to (SHA-256, `fingerprint256`
     * form): kept with the device, so the binding outlives the phone state. Like a bound
     * certificate in the phone state, it refuses the default port and any other certificate.
     */
    certFingerprint?: string;
  };
  config?: Partial<EngineConfig>;
}

export interface EngineOutput {
  /** DLSMessage XML to send back (always present: the phone gets exactly one reply) */
  reply: string;
  /** state to store; null = store nothing (refused / unidentifiable); undefined = unchanged */
  state?: PhoneState | null;
  events: WorkpointEvent[];
  /** session id to set as cookie while an interaction is open */
  session?: string;
  mac?: string;
}
