// Root of a Merkle-Patricia trie whose keys are RLP(index) (transactions, receipts), built
// in one pass over the sorted keys, like geth's StackTrie: every node is encoded and hashed
// once. Building it through @ethereumjs/mpt re-hashes the whole path on every insert and
// took ~1 s for the two tries of a 3,000-transaction block.
import { RLP } from '@ethereumjs/rlp'
import { keccak256 } from '@busan/chain-config'

type Item = { key: Uint8Array; value: Uint8Array }
type Encoded = Uint8Array | Uint8Array[] | (Uint8Array | Uint8Array[])[]

function nibbles(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2)
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = bytes[i] >> 4
    out[2 * i + 1] = bytes[i] & 0x0f
  }
  return out
}

/** Hex-prefix encoding of a nibble path (Yellow Paper, appendix C). */
function hexPrefix(path: Uint8Array, leaf: boolean): Uint8Array {
  const odd = path.length % 2 === 1
  const out = new Uint8Array(Math.floor(path.length / 2) + 1)
  out[0] = ((leaf ? 2 : 0) + (odd ? 1 : 0)) << 4
  let offset = 0
  if (odd) {
    out[0] |= path[0]
    offset = 1
  }
  for (let i = offset, j = 1; i < path.length; i += 2, j++) out[j] = (path[i] << 4) | path[i + 1]
  return out
}

/** A child reference: the node itself when its RLP is under 32 bytes, else its hash. */
function reference(node: Encoded): Encoded {
  const encoded = RLP.encode(node as Uint8Array[])
  return encoded.length < 32 ? node : keccak256(encoded)
}

function build(items: Item[], depth: number): Encoded {
  if (items.length === 1) return [hexPrefix(items[0].key.subarray(depth), true), items[0].value]
  // Longest common prefix of all keys beyond `depth` becomes an extension node.
  const first = items[0].key
  const last = items[items.length - 1].key
  let common = 0
  while (depth + common < first.length && depth + common < last.length && first[depth + common] === last[depth + common]) common++
  if (common > 0) return [hexPrefix(first.subarray(depth, depth + common), false), reference(build(items, depth + common)) as Uint8Array]
  const branch: Encoded[] = new Array(17).fill(new Uint8Array())
  let start = 0
  if (items[0].key.length === depth) {
    branch[16] = items[0].value
    start = 1
  }
  while (start < items.length) {
    const nibble = items[start].key[depth]
    let end = start + 1
    while (end < items.length && items[end].key[depth] === nibble) end++
    branch[nibble] = reference(build(items.slice(start, end), depth + 1))
    start = end
  }
  return branch as Uint8Array[]
}

const EMPTY_TRIE_ROOT = keccak256(RLP.encode(new Uint8Array()))

function compareNibbles(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/** Root of the trie mapping RLP(i) to values[i]. */
export function orderedTrieRoot(values: Uint8Array[]): Uint8Array {
  if (values.length === 0) return EMPTY_TRIE_ROOT
  const items = values.map((value, i) => ({ key: nibbles(RLP.encode(i)), value })).sort((a, b) => compareNibbles(a.key, b.key))
  return keccak256(RLP.encode(build(items, 0) as Uint8Array[]))
}
