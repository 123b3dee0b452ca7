// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Fixture for the JSON-RPC end-to-end tests: every way a call can fail.
contract Reverter {
    error Unauthorized(address caller, uint256 code);
    error Empty();

    uint256 public counter;

    function customError(uint256 code) external view {
        revert Unauthorized(msg.sender, code);
    }

    function noArgsError() external pure {
        revert Empty();
    }

    function requireReason(uint256 x) external pure returns (uint256) {
        require(x > 10, "x too small");
        return x;
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    function assertFalse(uint256 x) external pure returns (uint256) {
        assert(x == 0);
        return x;
    }

    function emptyRevert() external pure {
        revert();
    }

    /// Writes storage, then fails when asked: mined with fail=true it leaves a status-0 receipt.
    function bump(bool fail) external {
        counter += 1;
        if (fail) revert Unauthorized(msg.sender, counter);
    }
}
