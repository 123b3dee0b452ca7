// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Fixture for eth_estimateGas: a child that needs a lot of gas, called through a parent that
/// requires the child to succeed, so the 63/64 rule of CALL decides the gas limit needed.
contract GasSink {
    mapping(uint256 => uint256) public slots;

    /// Writes `count` storage slots from `start` (about 22,100 gas each while they are fresh).
    function fill(uint256 start, uint256 count) external {
        for (uint256 i = 0; i < count; i++) slots[start + i] = i + 1;
    }
}

/// Stateless, so that two forwards of equal-cost work use exactly the same gas.
contract GasForwarder {
    event Forwarded(address target);

    function forward(address target, bytes calldata data) external {
        (bool ok, ) = target.call(data);
        require(ok, "child call failed");
        emit Forwarded(target);
    }
}
