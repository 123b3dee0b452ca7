// Every flag of the busan command line, with the commands that take it, a one-line description
// and its default: the single table the parser (parseArgs), the defaults, the help text, the BUSAN_*
// environment variables and the config file are all read from. Names follow geth's where geth has
// the flag (--http.port, --rpc.gascap, --txpool.lifetime) and Besu's otherwise (--min-peers,
// --poa-block-txs-selection-max-time).

/** The commands `busan` runs; `account new` and `account import` are two words on the command line. */
export const COMMANDS = ['dev', 'run', 'init', 'import', 'export', 'account new', 'account import', 'version'] as const
export type Command = (typeof COMMANDS)[number]

/** One-line summaries for `busan --help`, in COMMANDS order. */
export const COMMAND_SUMMARIES: Record<Command, { args?: string; summary: string }> = {
  dev: { summary: 'start a single-sealer dev chain with the system contracts and 10 funded dev accounts' },
  run: { summary: 'run a node from a genesis file: an RPC node, or a sealer with --keystore' },
  init: { summary: 'initialise a data directory with a genesis file' },
  import: { args: 'FILE.rlp[.gz]...', summary: 'import blocks from RLP chain files (geth export format)' },
  export: { args: 'FILE.rlp[.gz] [FIRST [LAST]]', summary: 'export the canonical chain to an RLP chain file (geth export format)' },
  'account new': { summary: 'create a key in a new encrypted keystore file (geth v3 format)' },
  'account import': { summary: 'keep a private key in an encrypted keystore file (geth v3 format)' },
  version: { summary: 'print the version, commit, Node.js and EthereumJS versions' },
}

export interface FlagSpec {
  /** `boolean` flags are switches (present means true); every other flag takes a value. */
  type: 'string' | 'boolean'
  /** The value's placeholder in help, e.g. PORT. */
  value?: string
  description: string
  /**
   * The default, as the flag would be written (per command where commands differ): the value the
   * command reads when no source sets the flag (flag-sources.ts fills it in).
   */
  default?: string | Partial<Record<Command, string>>
  /** A default the command works out itself (from the machine, the key, the terminal), in words for the help. */
  defaultNote?: string | Partial<Record<Command, string>>
  /** The commands that take the flag; a flag given to any other command is refused. */
  commands: readonly Command[]
  /** Not settable from BUSAN_* variables or a config file (the switches that print and exit). */
  commandLineOnly?: boolean
}

const NODE: readonly Command[] = ['dev', 'run']
const CHAIN_FILES: readonly Command[] = ['dev', 'run', 'init', 'import', 'export']
const ACCOUNTS: readonly Command[] = ['account new', 'account import']
const ALL: readonly Command[] = COMMANDS

/** geth's --http.api defaults: dev serves every namespace but `testing`, run the public four. */
export const DEV_NAMESPACES = 'eth,net,web3,txpool,clique,qbft,admin,debug,ots,erigon,personal'
export const RUN_NAMESPACES = 'eth,net,web3,txpool'

export const FLAGS = {
  config: { type: 'string', value: 'FILE', commands: ALL.filter((c) => c !== 'version'), description: 'TOML file of flag values: keys are flag names (`http.port = 8545`, or `port` under `[http]`); flags and BUSAN_* variables override it' },
  datadir: { type: 'string', value: 'DIR', commands: CHAIN_FILES, defaultNote: { dev: '.data/dev (in the checkout)' }, description: 'data directory: the RocksDB database (chaindata/), the genesis copy, the pool journal' },
  genesis: { type: 'string', value: 'FILE', commands: ['run', 'init', 'import', 'export'], defaultNote: { run: 'DIR/genesis.json (kept by init)', import: 'DIR/genesis.json', export: 'DIR/genesis.json' }, description: 'genesis file (geth format, with config.clique or config.qbft for a proof-of-authority chain)' },
  consensus: { type: 'string', value: 'clique|qbft', commands: ['dev'], default: 'clique', description: 'consensus engine of the dev chain' },
  period: { type: 'string', value: 'SECONDS', commands: ['dev'], default: '2', description: 'block period; 0 seals a block as soon as transactions arrive and never an empty one' },
  'http.addr': { type: 'string', value: 'HOST', commands: NODE, default: '127.0.0.1', description: 'JSON-RPC (HTTP and WebSocket) listening interface' },
  'http.port': { type: 'string', value: 'PORT', commands: NODE, default: '8545', description: 'JSON-RPC (HTTP and WebSocket) listening port; 0 picks a free one' },
  'http.api': { type: 'string', value: 'LIST', commands: NODE, default: { dev: DEV_NAMESPACES, run: RUN_NAMESPACES }, description: 'JSON-RPC namespaces served, comma-separated (testing_buildBlockV1 only when it names testing)' },
  'http.corsdomain': { type: 'string', value: 'LIST', commands: NODE, default: '*', description: 'origins browsers may call the JSON-RPC endpoint from, comma-separated' },
  explorer: { type: 'string', value: 'true|false', commands: NODE, default: { dev: 'true', run: 'false' }, description: 'serve the city explorer at /explorer/' },
  'p2p.addr': { type: 'string', value: 'HOST', commands: ['run'], default: '0.0.0.0', description: 'peer network (libp2p TCP) listening interface' },
  'p2p.port': { type: 'string', value: 'PORT', commands: ['run'], default: '30303', description: 'peer network listening port; 0 picks a free one' },
  bootnodes: { type: 'string', value: 'MULTIADDRS', commands: ['run'], description: 'peers to dial at start and keep connected, comma-separated multiaddrs ending in /p2p/<peer id>' },
  allowlist: { type: 'string', value: 'PEER_IDS', commands: ['run'], description: 'only these peer ids may connect, comma-separated (a permissioned sealer network)' },
  'discovery.interval': { type: 'string', value: 'DURATION', commands: ['run'], default: '10s', description: 'how often this node announces its address on the peer exchange' },
  keystore: { type: 'string', value: 'FILE', commands: ['run'], description: 'seal blocks with the key in this encrypted keystore file (needs --password)' },
  password: { type: 'string', value: 'FILE', commands: ['run', ...ACCOUNTS], description: 'file holding the keystore password (its first line)' },
  'keystore-dir': { type: 'string', value: 'DIR', commands: ACCOUNTS, description: 'directory the new keystore file is written to' },
  'private-key-file': { type: 'string', value: 'FILE', commands: ['account import'], description: 'file holding the hex private key to keep' },
  'rpc.gascap': { type: 'string', value: 'GAS', commands: NODE, default: '50000000', description: 'gas cap of eth_call, eth_estimateGas and eth_createAccessList; 0 for none' },
  'rpc.evmtimeout': { type: 'string', value: 'DURATION', commands: NODE, default: '5s', description: "time budget of one request's EVM calls; 0 for none" },
  'rpc.workers': { type: 'string', value: 'N', commands: NODE, defaultNote: "the machine's cores, at most 8", description: 'worker threads for calls, traces, proofs and log queries' },
  'rpc.workqueue': { type: 'string', value: 'N', commands: NODE, default: '64', description: 'heavy requests that may wait for a worker thread before new ones are refused (-32005)' },
  'rpc.logsrange': { type: 'string', value: 'BLOCKS', commands: NODE, default: '0', description: 'widest eth_getLogs block range; 0 for none' },
  'rpc.logslimit': { type: 'string', value: 'N', commands: NODE, default: '10000', description: 'most logs one eth_getLogs answers (more is refused, -32005); 0 for no limit' },
  'rpc.allow-unprotected-txs': { type: 'boolean', commands: NODE, description: 'accept legacy transactions without EIP-155 replay protection' },
  'min-peers': { type: 'string', value: 'N', commands: NODE, default: { dev: '0', run: '1' }, description: 'peers GET /readiness asks for' },
  'db.sync': { type: 'string', value: 'true|false', commands: NODE, defaultNote: { dev: 'true (a sealer)', run: 'true with --keystore, else false' }, description: 'fsync the database log for every block before the head moves' },
  'txpool.lifetime': { type: 'string', value: 'DURATION', commands: NODE, default: '3h', description: 'how long a queued (not yet executable) transaction is kept' },
  'txpool.rejournal': { type: 'string', value: 'DURATION', commands: NODE, default: '1m', description: 'how often the journal of local transactions is rewritten' },
  'txpool.rebroadcast': { type: 'string', value: 'DURATION', commands: ['run'], default: '10s', description: 'how often local transactions still unmined are announced to peers again' },
  'poa-block-txs-selection-max-time': { type: 'string', value: 'PERCENT', commands: NODE, default: '75', description: "share of the block period a block's transaction selection may take, 1-100" },
  'log-level': { type: 'string', value: 'LEVEL', commands: CHAIN_FILES, default: 'info', description: 'trace, debug, info, warn, error, fatal or silent' },
  'log.format': { type: 'string', value: 'text|json', commands: CHAIN_FILES, defaultNote: 'text on a terminal, json otherwise', description: 'log format: text (pino-pretty) for people, json (one object a line) for log collectors' },
  help: { type: 'boolean', commands: ALL, commandLineOnly: true, description: 'print this help' },
  version: { type: 'boolean', commands: ALL, commandLineOnly: true, description: 'print the version (as busan version)' },
} as const satisfies Record<string, FlagSpec>

export type FlagName = keyof typeof FLAGS

function forCommand(value: string | Partial<Record<Command, string>> | undefined, command: Command): string | undefined {
  return typeof value === 'object' ? value[command] : value
}

/** A flag's default for `command`, as written on the command line; undefined when it has none. */
export function flagDefault(name: FlagName, command: Command): string | undefined {
  return forCommand((FLAGS[name] as FlagSpec).default, command)
}

/** The default as help shows it: the value, or the words for a default the command works out. */
export function flagDefaultText(name: FlagName, command: Command): string | undefined {
  const spec: FlagSpec = FLAGS[name]
  return forCommand(spec.default, command) ?? forCommand(spec.defaultNote, command)
}

/**
 * The environment variable of a flag, by Besu's convention: BUSAN_ and the name in capitals with
 * `.` and `-` as `_` (--http.port is BUSAN_HTTP_PORT, --min-peers BUSAN_MIN_PEERS).
 */
export function envName(name: string): string {
  return `BUSAN_${name.toUpperCase().replace(/[.-]/g, '_')}`
}
