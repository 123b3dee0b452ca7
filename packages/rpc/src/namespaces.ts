// The JSON-RPC namespaces this server has methods in, for `--http.api` (geth's flag): a small
// module of its own so the command line can check the flag before loading the server.
// A unit test keeps it equal to the namespaces of the method table.

/** Every namespace `--http.api` may name. */
export const RPC_NAMESPACES: readonly string[] = Object.freeze(['admin', 'clique', 'debug', 'erigon', 'eth', 'net', 'ots', 'personal', 'qbft', 'rpc', 'testing', 'txpool', 'web3'])
