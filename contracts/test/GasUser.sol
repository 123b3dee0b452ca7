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

    /// Almost nothing runs after the call, so the gas kept back by the 63/64 rule is what
    /// the estimate must add on top of the gas used.
    function forward(address target, bytes calldata data) external {
        emit Forwarded(target);
        (bool ok, ) = target.call(data);
        require(ok, "child call failed");
    }
}
