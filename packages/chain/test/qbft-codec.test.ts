// QBFT's data formats against independent vectors: Besu's own codec tests and docs, GoQuorum's
// engine tests, a real sealed Besu QBFT header (block 7528 of a 4-validator network, whose
// commit seals must recover to its validators), and Consensys/qbft-tests' message layouts.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256, privateKeyToAddress, qbftGenesisExtraData } from '@busan/chain-config'
import { decodeExtraData, encodeExtraData } from '../src/consensus/qbft/extra-data.ts'
import { hashWithExtraData } from '../src/consensus/qbft/hashing.ts'
import { MessageFactory, decodeMessage, encodeMessage, encodeSigned, recoverSigner, type MessageType } from '../src/consensus/qbft/messages.ts'

const hex = (value: string) => hexToBytes((value.startsWith('0x') ? value : `0x${value}`) as `0x${string}`)
const lower = (bytes: Uint8Array) => bytesToHex(bytes)

describe('QBFT extraData (Besu QbftExtraDataCodec)', () => {
  it("decodes and re-encodes Besu's QbftExtraDataCodecTest vector", () => {
    // vanity 0x01..0x20, validators 0x..01 and 0x..02, vote ADD 0x..01, round 0xFEDCBA, two seals.
    const vector =
      '0xf8f0a00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20ea940000000000000000000000000000000000000001940000000000000000000000000000000000000002d794000000000000000000000000000000000000000181ff83fedcbaf886b8410000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000000a00b841000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000100'
    const extra = decodeExtraData(hex(vector))
    assert.equal(lower(extra.vanity), `0x${Array.from({ length: 32 }, (_, i) => (i + 1).toString(16).padStart(2, '0')).join('')}`)
    assert.deepEqual(extra.validators.map(lower), [`0x${'00'.repeat(19)}01`, `0x${'00'.repeat(19)}02`])
    assert.deepEqual({ recipient: lower(extra.vote!.recipient), add: extra.vote!.add }, { recipient: `0x${'00'.repeat(19)}01`, add: true })
    assert.equal(extra.round, 0xfedcba)
    assert.equal(extra.seals.length, 2)
    assert.equal(lower(encodeExtraData(extra)), vector)
  })

  it('writes genesis extraData as Besu and GoQuorum do', () => {
    // Besu RLPSubCommandTest (rlp encode --type=QBFT_EXTRA_DATA)
    assert.equal(
      qbftGenesisExtraData(['0xbe068f726a13c8d46c44be6ce9d275600e1735a4', '0x5ff6f4b66a46a2b2310a6f3a93aaddc0d9a1c193']),
      // Besu writes the list as given; we sort it (every later header lists the validators sorted).
      '0xf84fa00000000000000000000000000000000000000000000000000000000000000000ea945ff6f4b66a46a2b2310a6f3a93aaddc0d9a1c19394be068f726a13c8d46c44be6ce9d275600e1735a4c080c0',
    )
    // GoQuorum consensus/istanbul/qbft/engine TestPrepareExtra
    const goQuorum = ['44add0ec310f115a0e603b2d7db9f067778eaf8a', '294fc7e8f22b3bcdcf955dd7ff3ba2ed833f8212', '6beaaed781d2d2ab6350f5c4566a2c6eaac407a6', '8be76812f765c24641ec63dc2852b378aba2b440']
    assert.equal(qbftGenesisExtraData(goQuorum), `0xf87aa0${'00'.repeat(32)}f85494${[...goQuorum].sort().join('94')}c080c0`)
    // Besu docs: the genesis of a validator-contract network
    assert.equal(qbftGenesisExtraData([]), `0xe5a0${'00'.repeat(32)}c0c080c0`)
  })

  it('refuses what Besu refuses: a round with a leading zero (the old 4-byte IBFT form), a bad vote type', () => {
    const base = { vanity: new Uint8Array(32), validators: [], seals: [] }
    const oldRound = RLP.encode([base.vanity, [], [], hex('00000000'), []])
    assert.throws(() => decodeExtraData(oldRound), /round: scalar with a leading zero/)
    const badVote = RLP.encode([base.vanity, [], [new Uint8Array(20), Uint8Array.of(0x01)], new Uint8Array(), []])
    assert.throws(() => decodeExtraData(badVote), /vote type/)
    assert.throws(() => decodeExtraData(hex('0xc0')), /expected 5 items/)
  })
})

describe('QBFT header hashing (Besu BftBlockHashing)', () => {
  // A sealed Besu QBFT header: block 7528, round 1, four validators, three commit seals.
  const sealed = hex(
    'f9033fa00af93e70b1c6d3974a88a42eb70bb61adbd523bfac0c83027ba4637c52746a0fa01dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d4934794ee3353e587cfa91625a1adaef308a726de3803d3a0166ed98eea93ab2b6f6b1a425526994adc2d675bf9a0d77d600ed1e02d8f77dfa056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b90100' +
      '00'.repeat(256) +
      '01821d688347b76080846640618bb90147f90144a00000000000000000000000000000000000000000000000000000000000000000f85494647bfdd19655e51e69d35454ff3a92f8828e630294a5c8416b9d13417b45b45ada76408f39d1e504ef94b92e91f4dcc9d28503be521afa2a8fbf3c1acf6094ee3353e587cfa91625a1adaef308a726de3803d3c001f8c9b841bc7633fd65570f610a595086e9a34e5bf6aacfb67b8f8cd01852e6b285147f046a50577b49378b86723ac9b456ef59ef7ab57cda7139d807f10f58e8cb10c67600b841ad1defc2b0b4a48158cff24778bb5ba4d9f373c171022ab0a42e37bdb0d4025718434d303a8d94df56ef9ad5219be9f27b2f67179a7fb82d3323dde29546f9f701b841e233d3670dd97c715f72b440eeb1ccb1e22c8c23f6ab470c46c99c2d0ee6509f0341a42e0e4569782557e93c3815e8ca4294043595f69a90f73f135de8ecf41e00a063746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365880000000000000000',
  )
  const raw = RLP.decode(sealed) as Uint8Array[]
  const extra = decodeExtraData(raw[12])

  it('computes the commit-seal hash of a real Besu header, and its seals recover to its validators', () => {
    assert.equal(extra.round, 1)
    const digest = hashWithExtraData(raw, encodeExtraData(extra, 'commit-seal'))
    // datachainlab/besu-qbft-elc's test of this header gives the same digest.
    assert.equal(lower(digest), '0x75ea184f58cd3f0ef89032a069df01f07ec524ef3a85cf6d3e424d62130c0a32')
    const validators = new Set(extra.validators.map(lower))
    const committers = extra.seals.map((seal) => lower(recoverSigner(digest, seal, false)))
    assert.equal(new Set(committers).size, 3)
    assert.ok(committers.every((c) => validators.has(c)), `seals by validators: ${committers.join(', ')}`)
  })

  it('leaves seals and round out of the block hash, and keeps the rest of the header', () => {
    const onChain = hashWithExtraData(raw, encodeExtraData(extra, 'on-chain'))
    const withOtherSeals = hashWithExtraData(raw, encodeExtraData({ ...extra, seals: extra.seals.slice(0, 2), round: 7 }, 'on-chain'))
    assert.deepEqual(onChain, withOtherSeals)
    assert.notDeepEqual(onChain, keccak256(sealed))
  })
})

describe('QBFT messages (Besu QbftV1, Consensys/qbft-tests layouts)', () => {
  const fixtures = JSON.parse(readFileSync(new URL('./fixtures/qbft-messages.json', import.meta.url), 'utf8')).messages as Record<string, { message: any; rlp: string }>
  const prepare = (p: any) => ({ height: BigInt(p.unsignedPrepare.sequence), round: p.unsignedPrepare.round, digest: hex(p.unsignedPrepare.digest) })
  const roundChange = (rc: any) => {
    const u = rc.unsignedRoundChange
    return { height: BigInt(u.sequence), round: u.round, prepared: u.preparedValue === null ? undefined : { round: u.preparedRound, blockHash: hex(u.preparedValue) } }
  }
  const expected: Record<string, { type: MessageType; encode: (m: any) => Uint8Array }> = {
    prepare: { type: 'prepare', encode: (m) => encodeSigned('prepare', prepare(m), hex(m.signature)) },
    commit: {
      type: 'commit',
      encode: (m) => encodeSigned('commit', { height: BigInt(m.unsignedCommit.sequence), round: m.unsignedCommit.round, digest: hex(m.unsignedCommit.digest), commitSeal: hex(m.unsignedCommit.commitSeal) }, hex(m.signature)),
    },
  }

  for (const [name, { message, rlp }] of Object.entries(fixtures)) {
    it(`lays out ${name} byte for byte`, () => {
      let bytes: Uint8Array
      if (name in expected) bytes = expected[name].encode(message)
      else if (message.type === 'roundChange') {
        const signed = encodeSigned('roundChange', roundChange(message.signedRoundChange), hex(message.signedRoundChange.signature))
        const prepares = message.prepares.map((p: any) => RLP.decode(encodeSigned('prepare', prepare(p), hex(p.signature))))
        bytes = RLP.encode([RLP.decode(signed), message.block === null ? [] : RLP.decode(hex(message.block)), prepares] as never)
      } else {
        const sp = message.signedProposal
        const signed = encodeSigned('proposal', { height: BigInt(sp.unsignedProposal.sequence), round: sp.unsignedProposal.round, block: hex(sp.unsignedProposal.block) }, hex(sp.signature))
        const rcs = message.roundChanges.map((rc: any) => RLP.decode(encodeSigned('roundChange', roundChange(rc), hex(rc.signature))))
        const prepares = message.prepares.map((p: any) => RLP.decode(encodeSigned('prepare', prepare(p), hex(p.signature))))
        bytes = RLP.encode([RLP.decode(signed), [rcs, prepares]] as never)
      }
      assert.equal(lower(bytes), rlp)
      // And the node's own decoder and encoder give the same bytes back.
      assert.equal(lower(encodeMessage(decodeMessage(message.type, hex(rlp)))), rlp)
    })
  }

  it('signs and authenticates every message type; a tampered payload changes its author', () => {
    const key = keccak256(new TextEncoder().encode('qbft test validator'))
    const address = privateKeyToAddress(key)
    const factory = new MessageFactory(key, address)
    const digest = keccak256(Uint8Array.of(1))
    const block = hex(fixtures.proposal_empty_prepares_and_roundChanges.message.signedProposal.unsignedProposal.block)
    const prepareMessage = factory.prepare({ height: 5n, round: 2, digest })
    const roundChangeMessage = factory.roundChange({ height: 5n, round: 3, prepared: { round: 2, blockHash: digest } }, block, [prepareMessage.signed])
    const messages = [
      factory.proposal({ height: 5n, round: 3, block }, [roundChangeMessage.signed], [prepareMessage.signed]),
      prepareMessage,
      factory.commit({ height: 5n, round: 2, digest }, digest),
      roundChangeMessage,
      factory.roundChange({ height: 6n, round: 1 }),
    ]
    for (const message of messages) {
      const decoded = decodeMessage(message.type, encodeMessage(message))
      assert.equal(lower(decoded.signed.author), lower(address), message.type)
      assert.deepEqual(decoded.signed.payload, message.signed.payload, message.type)
      assert.equal(lower(encodeMessage(decoded)), lower(encodeMessage(message)), `${message.type} re-encodes to the same bytes`)
    }
    const commit = decodeMessage('commit', encodeMessage(messages[2]))
    assert.equal(commit.type === 'commit' && lower(recoverSigner(digest, commit.signed.payload.commitSeal)), lower(address), 'the commit seal signs the given hash')
    const tampered = encodeMessage(prepareMessage)
    tampered[6] ^= 1 // a byte of the digest
    assert.notEqual(lower(decodeMessage('prepare', tampered).signed.author), lower(address))
  })

  it('refuses malformed messages with a decode error, never anything else', () => {
    for (const bytes of [hex('0x'), hex('0xc0'), hex('0xc3010203'), hex('0xf867e30180a0'), RLP.encode([[1, 2, 3], new Uint8Array(64)])]) {
      for (const type of ['proposal', 'prepare', 'commit', 'roundChange'] as const) assert.throws(() => decodeMessage(type, bytes), { name: 'QbftDecodeError' }, `${type} ${lower(bytes)}`)
    }
  })
})
