// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain ERC-20 for `npm run bench`: the ERC-20 transfer workload, not a city contract.
contract BenchToken is ERC20 {
    constructor(uint256 supply) ERC20("Bench Token", "BENCH") {
        _mint(msg.sender, supply);
    }
}
