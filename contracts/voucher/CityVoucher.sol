// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {CitySystemUpgradeable} from "../common/CitySystemUpgradeable.sol";
import {BPassGated} from "../identity/BPassGated.sol";
import {BPassRoles, IBPassRegistry} from "../identity/IBPassRegistry.sol";

/**
 * @title CityVoucher
 * @notice Busan's local-currency voucher (Dongbaekjeon style). One token is one won: the won
 * has no minor unit in circulation, so the token has 0 decimals and amounts read the same on
 * chain, in wallets and on receipts.
 *
 * - The treasury issues vouchers to verified residents.
 * - Every transfer needs both sides verified in B-Pass at the time of the transfer.
 * - Merchants redeem (burn) vouchers for won; each redemption carries a unique reference the
 *   city's payout system reconciles against.
 * - The council can pause every movement (issue, transfer, redeem).
 */
contract CityVoucher is CitySystemUpgradeable, ERC20PermitUpgradeable, PausableUpgradeable, BPassGated {
    bytes32 public constant TREASURY_ROLE = keccak256("TREASURY_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @custom:storage-location erc7201:busan.storage.CityVoucher
    struct CityVoucherStorage {
        mapping(bytes32 redemptionReference => bool) redeemed;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.CityVoucher")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x05ea44f9cd93ab1572376876374ff501752dfc635ec0a67c25564fe8af2aa900;

    event Issued(address indexed resident, uint256 amount, address indexed treasury);
    event Redeemed(address indexed merchant, uint256 amount, bytes32 indexed redemptionReference);

    error ReferenceAlreadyUsed(bytes32 redemptionReference);
    error EmptyReference();
    error ZeroAmount();

    function initialize(
        address council,
        IBPassRegistry registry,
        string calldata name,
        string calldata symbol,
        address[] calldata treasurers
    ) external initializer {
        __CitySystem_init(council);
        __ERC20_init(name, symbol);
        __ERC20Permit_init(name);
        __Pausable_init();
        __BPassGated_init(registry);
        _grantRole(PAUSER_ROLE, council);
        for (uint256 i = 0; i < treasurers.length; i++) {
            _grantRole(TREASURY_ROLE, treasurers[i]);
        }
    }

    /// Whole won: see the contract notice.
    function decimals() public pure override returns (uint8) {
        return 0;
    }

    function issue(address resident, uint256 amount) external onlyRole(TREASURY_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _requireBPassRole(resident, BPassRoles.RESIDENT);
        _mint(resident, amount);
        emit Issued(resident, amount, msg.sender);
    }

    /// A merchant turns vouchers into a won payout; `redemptionReference` identifies the payout.
    function redeem(uint256 amount, bytes32 redemptionReference) external {
        if (amount == 0) revert ZeroAmount();
        if (redemptionReference == bytes32(0)) revert EmptyReference();
        _requireBPassRole(msg.sender, BPassRoles.MERCHANT);
        CityVoucherStorage storage $ = _voucherStorage();
        if ($.redeemed[redemptionReference]) revert ReferenceAlreadyUsed(redemptionReference);
        $.redeemed[redemptionReference] = true;
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount, redemptionReference);
    }

    function isRedemptionReferenceUsed(bytes32 redemptionReference) external view returns (bool) {
        return _voucherStorage().redeemed[redemptionReference];
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// Every balance change passes here: mints and burns are checked by {issue} and {redeem},
    /// and a transfer needs both parties verified now.
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        if (from != address(0) && to != address(0)) {
            _requireVerified(from);
            _requireVerified(to);
        }
        super._update(from, to, value);
    }

    function _voucherStorage() private pure returns (CityVoucherStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
