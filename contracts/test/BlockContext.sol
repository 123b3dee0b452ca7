// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Fixture for the JSON-RPC end-to-end tests: what the EVM sees of its block.
contract BlockContext {
    event Context(address coinbase, uint256 number, uint256 timestamp, uint256 basefee, uint256 chainid, bytes32 parentHash, uint256 gasPrice);

    function read()
        external
        view
        returns (address coinbase, uint256 number, uint256 timestamp, uint256 basefee, uint256 chainid, bytes32 parentHash)
    {
        return (block.coinbase, block.number, block.timestamp, block.basefee, block.chainid, blockhash(block.number - 1));
    }

    function hashOf(uint256 number) external view returns (bytes32) {
        return blockhash(number);
    }

    /// Records the context of the block that includes the transaction.
    function record() external {
        emit Context(block.coinbase, block.number, block.timestamp, block.basefee, block.chainid, blockhash(block.number - 1), tx.gasprice);
    }
}

/// Code an EOA delegates to with EIP-7702: runs in the EOA's own context and storage.
contract Delegate {
    event Hello(address self, address caller, uint256 count);

    uint256 public count;

    function hello() external returns (uint256) {
        count += 1;
        emit Hello(address(this), msg.sender, count);
        return count;
    }

    function whoAmI() external view returns (address) {
        return address(this);
    }
}
