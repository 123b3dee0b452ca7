// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/**
 * @title CitySystemUpgradeable
 * @notice What every city system contract except the council shares: it lives behind an
 * ERC-1967 proxy, the council holds DEFAULT_ADMIN_ROLE (it grants and revokes every other
 * role) and only that role may upgrade the implementation.
 */
abstract contract CitySystemUpgradeable is Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    error ZeroAddress();

    /// The implementation itself is never initialised: only proxies are.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function __CitySystem_init(address council) internal onlyInitializing {
        if (council == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, council);
    }

    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
