import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, randomBytes } from '@ethereumjs/util'
import { orderedTrieRoot } from '../src/ordered-trie.ts'

test('ordered trie root equals the root @ethereumjs/mpt builds, across branch and extension shapes', async () => {
  for (const count of [0, 1, 2, 3, 16, 17, 127, 128, 129, 300, 1100]) {
    const values = Array.from({ length: count }, (_, i) => randomBytes(i % 3 === 0 ? 3 : 40 + (i % 70)))
    const reference = new MerklePatriciaTrie()
    for (let i = 0; i < count; i++) await reference.put(RLP.encode(i), values[i])
    assert.equal(bytesToHex(orderedTrieRoot(values)), bytesToHex(reference.root()), `${count} values`)
  }
})
