// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The benchmark's compute-bound contract (issue 11)
/// @notice Each call runs `rounds` iterations of keccak256 over memory and 256-bit arithmetic,
/// then writes one storage slot: the interpreter's opcode dispatch, stack and memory dominate,
/// not the state. Measured in gas per second against anvil by `npm run bench`.
contract BenchCompute {
    /// @notice The running digest every call folds its work into.
    bytes32 public acc;

    /// @notice Runs `rounds` iterations of hashing and arithmetic on top of `acc` and stores the result.
    /// @param rounds Iterations (about 150 gas each).
    function work(uint256 rounds) external {
        bytes32 h = acc;
        uint256 x = uint256(h);
        for (uint256 i = 0; i < rounds; i++) {
            h = keccak256(abi.encodePacked(h, i));
            unchecked {
                x = x * 6364136223846793005 + 1442695040888963407 + (uint256(h) % 1000003);
            }
        }
        acc = h ^ bytes32(x);
    }
}
