// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Fixture for eth_estimateGas: a child that needs a lot of gas, called through a parent that
/// requires the child to succeed, so the 63/64 rule of CALL decides the gas limit needed.
contract GasSink {
    mapping(uint256 => uint256) public slots;
    uint256 public next;

    /// Writes `count` fresh storage slots (about 22,100 gas each).
    function fill(uint256 count) external {
        uint256 start = next;
        for (uint256 i = 0; i < count; i++) slots[start + i] = i + 1;
        next = start + count;
    }
}

contract GasForwarder {
    uint256 public calls;

    function forward(address target, bytes calldata data) external {
        (bool ok, ) = target.call(data);
        require(ok, "child call failed");
        calls += 1;
    }
}
