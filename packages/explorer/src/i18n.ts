// The explorer's two languages. Korean first (a Busan city service), English beside it; the
// choice is kept in the browser.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'

export type Language = 'ko' | 'en'

const TEXTS = {
  title: { ko: '부산 체인 탐색기', en: 'Busan Chain Explorer' },
  search: { ko: '블록 번호, 해시, 주소 검색', en: 'Search by block number, hash or address' },
  go: { ko: '검색', en: 'Search' },
  home: { ko: '홈', en: 'Home' },
  chainId: { ko: '체인 ID', en: 'Chain id' },
  latestBlock: { ko: '최신 블록', en: 'Latest block' },
  finalized: { ko: '확정 블록', en: 'Finalized block' },
  blockTime: { ko: '평균 블록 시간', en: 'Average block time' },
  seconds: { ko: '초', en: 's' },
  sealers: { ko: '검증자', en: 'Sealers' },
  recentBlocks: { ko: '최근 블록 수', en: 'recent blocks' },
  latestBlocks: { ko: '최근 블록', en: 'Latest blocks' },
  latestTransactions: { ko: '최근 거래', en: 'Latest transactions' },
  block: { ko: '블록', en: 'Block' },
  transaction: { ko: '거래', en: 'Transaction' },
  address: { ko: '주소', en: 'Address' },
  hash: { ko: '해시', en: 'Hash' },
  parent: { ko: '이전 블록', en: 'Parent' },
  time: { ko: '시간', en: 'Time' },
  transactions: { ko: '거래 수', en: 'Transactions' },
  gasUsed: { ko: '사용 가스', en: 'Gas used' },
  gasLimit: { ko: '가스 한도', en: 'Gas limit' },
  baseFee: { ko: '기본 수수료', en: 'Base fee' },
  totalFees: { ko: '총 수수료', en: 'Total fees' },
  status: { ko: '상태', en: 'Status' },
  success: { ko: '성공', en: 'Success' },
  failed: { ko: '실패', en: 'Failed' },
  pending: { ko: '대기 중', en: 'Pending' },
  from: { ko: '보낸 주소', en: 'From' },
  to: { ko: '받는 주소', en: 'To' },
  created: { ko: '생성된 컨트랙트', en: 'Contract created' },
  value: { ko: '금액', en: 'Value' },
  fee: { ko: '수수료', en: 'Fee' },
  nonce: { ko: '논스', en: 'Nonce' },
  input: { ko: '입력 데이터', en: 'Input' },
  method: { ko: '함수', en: 'Method' },
  logs: { ko: '이벤트 로그', en: 'Logs' },
  internalCalls: { ko: '내부 호출', en: 'Internal calls' },
  revertReason: { ko: '실패 사유', en: 'Revert reason' },
  balance: { ko: '잔액', en: 'Balance' },
  voucherBalance: { ko: '부산 바우처 잔액', en: 'City voucher balance' },
  contract: { ko: '컨트랙트', en: 'Contract' },
  account: { ko: '계정', en: 'Account' },
  history: { ko: '거래 내역', en: 'Transaction history' },
  older: { ko: '이전 거래', en: 'Older' },
  newest: { ko: '최신으로', en: 'Newest' },
  none: { ko: '없음', en: 'None' },
  notFound: { ko: '찾을 수 없습니다', en: 'Not found' },
  notFoundHint: { ko: '블록, 거래 또는 주소가 이 체인에 없습니다.', en: 'No block, transaction or address on this chain matches.' },
  loading: { ko: '불러오는 중…', en: 'Loading…' },
  systemContract: { ko: '시 시스템 컨트랙트', en: 'City system contract' },
  page: { ko: '페이지', en: 'Page' },
  next: { ko: '다음', en: 'Next' },
  city: { ko: '부산 시 현황', en: 'The city' },
  voucher: { ko: '부산 바우처', en: 'City voucher' },
  supply: { ko: '발행 잔액', en: 'Supply' },
  issued: { ko: '누적 발행', en: 'Issued' },
  redeemed: { ko: '누적 상환', en: 'Redeemed' },
  commodities: { ko: '실물 자산 토큰', en: 'Commodity tokens' },
  asset: { ko: '자산', en: 'Asset' },
  reserve: { ko: '증명된 실물 보유량', en: 'Attested reserve' },
  attestedAt: { ko: '증명 시각', en: 'Attested' },
  backed: { ko: '보유량 충족', en: 'Backed' },
  trades: { ko: '거래소 체결', en: 'Exchange trades' },
  amount: { ko: '수량', en: 'Amount' },
  price: { ko: '가격', en: 'Price' },
  council: { ko: '시 의회 제안', en: 'Council proposals' },
  proposal: { ko: '제안', en: 'Proposal' },
  confirmations: { ko: '승인 가중치', en: 'Confirmations' },
  executed: { ko: '실행됨', en: 'Executed' },
  open: { ko: '진행 중', en: 'Open' },
  target: { ko: '대상', en: 'Target' },
  holdings: { ko: '실물 자산 보유', en: 'Commodity holdings' },
  verifiedAbi: { ko: '검증된 ABI (deployments/devnet.json)', en: 'Verified ABI (deployments/devnet.json)' },
  functions: { ko: '함수', en: 'Functions' },
  events: { ko: '이벤트', en: 'Events' },
  bpassStatus: { ko: 'B-Pass 상태', en: 'B-Pass status' },
  bpassRoles: { ko: 'B-Pass 역할', en: 'B-Pass roles' },
  validUntil: { ko: '유효 기간', en: 'Valid until' },
  verified: { ko: '인증됨', en: 'Verified' },
  notVerified: { ko: '미인증', en: 'Not verified' },
  resident: { ko: '시민', en: 'Resident' },
  merchant: { ko: '가맹점', en: 'Merchant' },
  business: { ko: '사업자', en: 'Business' },
  custodian: { ko: '보관 기관', en: 'Custodian' },
  exchangeOperator: { ko: '거래소 운영자', en: 'Exchange operator' },
  statusActive: { ko: '활성', en: 'Active' },
  statusSuspended: { ko: '정지', en: 'Suspended' },
  statusRevoked: { ko: '취소', en: 'Revoked' },
  previous: { ko: '이전', en: 'Previous' },
} as const satisfies Record<string, Record<Language, string>>

export type TextKey = keyof typeof TEXTS

export const LanguageContext = createContext<Language>('ko')

/** The translator for the page's language. */
export function useText(): (key: TextKey) => string {
  const language = useContext(LanguageContext)
  return (key) => TEXTS[key][language]
}

export function savedLanguage(): Language {
  return localStorage.getItem('language') === 'en' ? 'en' : 'ko'
}

export function saveLanguage(language: Language): void {
  localStorage.setItem('language', language)
}
