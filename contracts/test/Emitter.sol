// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Fixture for the JSON-RPC end-to-end tests: events with indexed and unindexed fields.
contract Emitter {
    event Ping(address indexed sender, uint256 indexed id, string note);
    event Pong(uint256 indexed id, bytes32 indexed tag, uint256 value);
    event Anonymous(uint256 value) anonymous;

    function ping(uint256 id, string calldata note) external {
        emit Ping(msg.sender, id, note);
    }

    function pong(uint256 id, bytes32 tag, uint256 value) external {
        emit Pong(id, tag, value);
    }

    /// Three logs in one transaction: Ping, Pong, then an anonymous one.
    function all(uint256 id, bytes32 tag) external {
        emit Ping(msg.sender, id, "all");
        emit Pong(id, tag, id * 2);
        emit Anonymous(id);
    }
}
