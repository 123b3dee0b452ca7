// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CitySystemUpgradeable} from "../common/CitySystemUpgradeable.sol";

/**
 * @title ValidatorSet
 * @notice The QBFT validators of a city network in validator-contract mode (Besu's
 * `validatorcontractaddress`): the node asks {getValidators} at the state of each block for the
 * validators of the next one. Only the council (DEFAULT_ADMIN_ROLE) adds or removes a validator,
 * so a sealer operator joins or leaves by a council decision, recorded on chain.
 *
 * The set is never empty: a network without validators cannot produce the block that would
 * add one back.
 */
contract ValidatorSet is CitySystemUpgradeable {
    /// @custom:storage-location erc7201:busan.storage.ValidatorSet
    struct ValidatorSetStorage {
        address[] validators;
        /// Position in `validators` plus one; 0 for an address that is not a validator.
        mapping(address validator => uint256 slot) slotOf;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.ValidatorSet")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x4bdfb1a65a2ffbde4234ca7006068f9b8c18966403200222079a014459536100;

    event ValidatorAdded(address indexed validator);
    event ValidatorRemoved(address indexed validator);

    error AlreadyValidator(address validator);
    error NotValidator(address validator);
    error LastValidator(address validator);
    error NoValidators();

    function initialize(address council, address[] calldata initial) external initializer {
        __CitySystem_init(council);
        if (initial.length == 0) revert NoValidators();
        for (uint256 i = 0; i < initial.length; i++) {
            _add(initial[i]);
        }
    }

    /// The current validators, in the order they were added (the node sorts them).
    function getValidators() external view returns (address[] memory) {
        return _storage().validators;
    }

    function isValidator(address account) external view returns (bool) {
        return _storage().slotOf[account] != 0;
    }

    function addValidator(address validator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _add(validator);
    }

    function removeValidator(address validator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ValidatorSetStorage storage $ = _storage();
        uint256 slot = $.slotOf[validator];
        if (slot == 0) revert NotValidator(validator);
        if ($.validators.length == 1) revert LastValidator(validator);
        address last = $.validators[$.validators.length - 1];
        $.validators[slot - 1] = last;
        $.slotOf[last] = slot;
        $.validators.pop();
        delete $.slotOf[validator];
        emit ValidatorRemoved(validator);
    }

    function _add(address validator) private {
        if (validator == address(0)) revert ZeroAddress();
        ValidatorSetStorage storage $ = _storage();
        if ($.slotOf[validator] != 0) revert AlreadyValidator(validator);
        $.validators.push(validator);
        $.slotOf[validator] = $.validators.length;
        emit ValidatorAdded(validator);
    }

    function _storage() private pure returns (ValidatorSetStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
