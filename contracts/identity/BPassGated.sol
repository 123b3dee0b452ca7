// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {IBPassRegistry} from "./IBPassRegistry.sol";

/**
 * @title BPassGated
 * @notice For contracts whose participants must hold a B-Pass: keeps the registry address and
 * the checks, each evaluated at the time of the call so that a suspension, revocation or
 * expiry takes effect immediately.
 */
abstract contract BPassGated is Initializable {
    /// @custom:storage-location erc7201:busan.storage.BPassGated
    struct BPassGatedStorage {
        IBPassRegistry registry;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.BPassGated")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x6964c46460db285fb41eca41c5bbedb738f0d7016ba85165c6e603f100930b00;

    error NotVerified(address account);
    error MissingBPassRole(address account, uint32 roles);
    error NoRegistry();

    function __BPassGated_init(IBPassRegistry registry) internal onlyInitializing {
        if (address(registry) == address(0)) revert NoRegistry();
        _gatedStorage().registry = registry;
    }

    function bpassRegistry() public view returns (IBPassRegistry) {
        return _gatedStorage().registry;
    }

    function _requireVerified(address account) internal view {
        if (!_gatedStorage().registry.isVerified(account)) revert NotVerified(account);
    }

    function _requireBPassRole(address account, uint32 roles) internal view {
        if (!_gatedStorage().registry.hasBPassRole(account, roles)) revert MissingBPassRole(account, roles);
    }

    function _gatedStorage() private pure returns (BPassGatedStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
