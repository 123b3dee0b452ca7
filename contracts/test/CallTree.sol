// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// A child the tracing fixture calls in every way: storage, logs, reverts, a deep failure.
contract CallLeaf {
    event Touched(address indexed by, uint256 value);

    uint256 public stored;

    function touch(uint256 value) external payable returns (uint256) {
        stored = value;
        emit Touched(msg.sender, value);
        return value * 2;
    }

    function fail(uint256 value) external pure returns (uint256) {
        require(value == 0, "leaf refuses");
        return value;
    }

    function ratio(uint256 divisor) external pure returns (uint256) {
        return 100 / divisor;
    }

    function spin() external view returns (uint256 total) {
        // Burns whatever gas it is given: the parent sees an out-of-gas child.
        while (gasleft() > 0) total += stored + 1;
    }

    function read() external payable returns (uint256) {
        return stored;
    }

    /// Hands its balance to `to` (EIP-6780: the code stays, as the leaf was not created in this transaction).
    function kill(address payable to) external {
        selfdestruct(to);
    }
}

/// Fixture for the tracing tests: one transaction that enters every kind of frame geth's
/// callTracer names (CALL, STATICCALL, DELEGATECALL, CREATE, CREATE2, a precompile), with
/// logs at two depths, a caught revert and a caught out-of-gas child.
contract CallTree {
    event Began(uint256 indexed round, bytes32 digest);
    event Ended(uint256 round, uint256 result);

    uint256 public rounds;
    CallLeaf public leaf;

    constructor() payable {
        leaf = new CallLeaf();
    }

    function run(uint256 value) external payable returns (uint256 result) {
        rounds += 1;
        bytes32 digest = sha256(abi.encode(value));
        emit Began(rounds, digest);
        result = leaf.touch{value: msg.value}(value);
        result += leaf.read();
        try leaf.fail(value + 1) returns (uint256) {} catch {}
        try leaf.spin{gas: 30_000}() returns (uint256) {} catch {}
        (bool ok, ) = address(leaf).delegatecall(abi.encodeCall(CallLeaf.read, ()));
        require(ok, "delegatecall failed");
        CallLeaf made = new CallLeaf{salt: bytes32(rounds)}();
        made.touch(result);
        new CallLeaf();
        emit Ended(rounds, result);
    }

    function explode(uint256 value) external {
        rounds += value;
        leaf.touch(value);
        revert("tree refuses");
    }

    /// The leaf's require fails and its revert bubbles up through this frame.
    function relay(uint256 value) external returns (uint256) {
        rounds += 1;
        return leaf.fail(value);
    }

    /// The leaf divides by `divisor`: a zero gives a Panic(0x12) that bubbles up.
    function divide(uint256 divisor) external returns (uint256) {
        rounds += 1;
        return leaf.ratio(divisor);
    }

    /// Sends the leaf more than this contract holds: the call fails before its frame is entered
    /// (geth's tracers report a frame failed with "insufficient balance for transfer").
    function overdraw() external returns (bool ok) {
        rounds += 1;
        (ok, ) = address(leaf).call{value: address(this).balance + 1}("");
    }

    /// The leaf self-destructs, handing its balance to the caller: geth's SELFDESTRUCT frame.
    function killLeaf() external {
        leaf.kill(payable(msg.sender));
    }

    function invalid() external {
        rounds += 1;
        assembly {
            invalid()
        }
    }
}
