// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Fixture for the JSON-RPC end-to-end tests: plain storage at known slots.
contract Store {
    uint256 public value; // slot 0
    mapping(uint256 => uint256) public items; // slot 1: items[k] at keccak256(k . 1)
    address public owner; // slot 2

    event ValueSet(uint256 indexed previous, uint256 indexed current);

    constructor(uint256 initial) payable {
        value = initial;
        owner = msg.sender;
    }

    function set(uint256 next) external {
        emit ValueSet(value, next);
        value = next;
    }

    function setItem(uint256 key, uint256 item) external {
        items[key] = item;
    }

    function get() external view returns (uint256) {
        return value;
    }
}
