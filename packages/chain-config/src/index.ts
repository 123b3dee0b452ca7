export { commonAt, createChainCommon, daoFork, hasForkSchedule, HARDFORK, INITIAL_BASE_FEE } from './common.ts'
export {
  keccak256,
  nativeCrypto,
  privateKeyToAddress,
  publicKeyToAddress,
  recoverPublicKey,
  recoveryId,
  signDigest,
} from './crypto.ts'
export { isProofOfAuthority, qbftConfigOf, readGenesisFile, validateGenesis } from './genesis.ts'
export { QBFT_DEFAULTS } from './qbft-config.ts'
export type { QbftConfig, QbftTransition } from './qbft-config.ts'
export type { CliqueConfig, GenesisAccount, GenesisFile } from './genesis.ts'
export {
  CITY_FORK_SCHEDULE,
  cliqueGenesisExtraData,
  DEV_ACCOUNT_BALANCE,
  DEV_CHAIN_ID,
  DEV_GAS_LIMIT,
  DEV_MNEMONIC,
  devAccounts,
  devGenesis,
  ISTANBUL_MIX_HASH,
  qbftGenesisExtraData,
  withConsensus,
} from './dev.ts'
export type { DevAccount, DevGenesisOptions } from './dev.ts'
export { STANDARD_PREDEPLOYS, withStandardPredeploys } from './predeploys.ts'
export type { Predeploy, PredeployDeployment, PredeployKey } from './predeploys.ts'
