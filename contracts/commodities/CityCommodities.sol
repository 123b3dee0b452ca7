// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC1155Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC1155/ERC1155Upgradeable.sol";
import {ERC1155SupplyUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC1155/extensions/ERC1155SupplyUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {CitySystemUpgradeable} from "../common/CitySystemUpgradeable.sol";
import {BPassGated} from "../identity/BPassGated.sol";
import {IBPassRegistry} from "../identity/IBPassRegistry.sol";

/**
 * @title CityCommodities
 * @notice Warehouse-backed commodity tokens (ERC-1155), one id per asset class. One token is
 * one unit of the class's physical measure (gold: gram, copper: kilogram, oil: barrel), as the
 * class's metadata says; ERC-1155 amounts have no decimals.
 *
 * Each asset class has one custodian, an accredited vault operator (CUSTODIAN_ROLE) the council
 * assigns. The custodian attests the reserve it holds (amount and the time it was counted),
 * mints against warehouse receipts and burns on physical redemption. The total supply of an
 * id never exceeds its last attestation: minting past it fails, and an attestation below the
 * supply already out is refused (a shortfall is a matter for the council, not a silent
 * overwrite). Only B-Pass verified addresses can hold, send or receive the tokens.
 */
contract CityCommodities is CitySystemUpgradeable, ERC1155SupplyUpgradeable, BPassGated {
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");

    struct Asset {
        address custodian;
        /// When the custodian counted the reserve (not when it reported it); 0 before any attestation.
        uint64 attestedAt;
        bool listed;
        uint256 reserve;
        string uri;
    }

    struct AssetListing {
        uint256 id;
        address custodian;
        string uri;
    }

    /// @custom:storage-location erc7201:busan.storage.CityCommodities
    struct CityCommoditiesStorage {
        mapping(uint256 id => Asset) assets;
        uint256[] assetIds;
        mapping(bytes32 warehouseReceipt => bool) receiptUsed;
        mapping(bytes32 redemptionReference => bool) redemptionUsed;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.CityCommodities")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x128d190ddc1316f4327f3010fb0236693e76507790bfa27e5cc07254c4678100;

    event AssetAdded(uint256 indexed id, address indexed custodian, string uri);
    event CustodianChanged(uint256 indexed id, address indexed custodian);
    event ReserveAttested(uint256 indexed id, address indexed custodian, uint256 reserve, uint64 attestedAt);
    event MintedAgainstReceipt(uint256 indexed id, address indexed to, uint256 amount, bytes32 indexed warehouseReceipt);
    event RedeemedPhysical(uint256 indexed id, address indexed from, uint256 amount, bytes32 indexed redemptionReference);

    error UnknownAsset(uint256 id);
    error AssetAlreadyListed(uint256 id);
    error NotAssetCustodian(uint256 id, address account);
    error ReserveExceeded(uint256 id, uint256 supplyAfter, uint256 reserve);
    error ReserveBelowSupply(uint256 id, uint256 reserve, uint256 supply);
    error StaleAttestation(uint256 id, uint64 attestedAt, uint64 previous);
    error AttestationInFuture(uint256 id, uint64 attestedAt);
    error ReferenceAlreadyUsed(bytes32 usedReference);
    error EmptyReference();
    error ZeroAmount();
    error NotOwnerNorApproved(address from, address operator);

    modifier onlyCustodianOf(uint256 id) {
        Asset storage entry = _listed(id);
        if (msg.sender != entry.custodian || !hasRole(CUSTODIAN_ROLE, msg.sender)) revert NotAssetCustodian(id, msg.sender);
        _;
    }

    function initialize(
        address council,
        IBPassRegistry registry,
        address[] calldata custodians,
        AssetListing[] calldata launchAssets
    ) external initializer {
        __CitySystem_init(council);
        __ERC1155_init("");
        __ERC1155Supply_init();
        __BPassGated_init(registry);
        for (uint256 i = 0; i < custodians.length; i++) {
            _grantRole(CUSTODIAN_ROLE, custodians[i]);
        }
        for (uint256 i = 0; i < launchAssets.length; i++) {
            _addAsset(launchAssets[i].id, launchAssets[i].custodian, launchAssets[i].uri);
        }
    }

    // ---------------------------------------------------------------- council

    /// New asset classes need no redeploy: the council lists them.
    function addAsset(uint256 id, address custodian, string calldata assetUri) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _addAsset(id, custodian, assetUri);
    }

    function setAssetURI(uint256 id, string calldata assetUri) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _listed(id).uri = assetUri;
        emit URI(assetUri, id);
    }

    /// Hands a class to another vault; the previous attestation stands until the new custodian attests.
    function setAssetCustodian(uint256 id, address custodian) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (custodian == address(0)) revert ZeroAddress();
        _listed(id).custodian = custodian;
        emit CustodianChanged(id, custodian);
    }

    // ---------------------------------------------------------------- custodians

    function attestReserve(uint256 id, uint256 reserve, uint64 attestedAt) external onlyCustodianOf(id) {
        Asset storage entry = _commoditiesStorage().assets[id];
        if (attestedAt <= entry.attestedAt) revert StaleAttestation(id, attestedAt, entry.attestedAt);
        if (attestedAt > block.timestamp) revert AttestationInFuture(id, attestedAt);
        uint256 supply = totalSupply(id);
        if (reserve < supply) revert ReserveBelowSupply(id, reserve, supply);
        entry.reserve = reserve;
        entry.attestedAt = attestedAt;
        emit ReserveAttested(id, msg.sender, reserve, attestedAt);
    }

    /// Mints `amount` against a warehouse receipt; each receipt backs one mint only.
    function mint(address to, uint256 id, uint256 amount, bytes32 warehouseReceipt) external onlyCustodianOf(id) {
        if (amount == 0) revert ZeroAmount();
        CityCommoditiesStorage storage $ = _commoditiesStorage();
        _useReference($.receiptUsed, warehouseReceipt);
        uint256 supplyAfter = totalSupply(id) + amount;
        if (supplyAfter > $.assets[id].reserve) revert ReserveExceeded(id, supplyAfter, $.assets[id].reserve);
        _mint(to, id, amount, "");
        emit MintedAgainstReceipt(id, to, amount, warehouseReceipt);
    }

    /// Burns tokens handed back for physical delivery, from the custodian's own balance or
    /// from a holder who approved the custodian as operator.
    function redeem(address from, uint256 id, uint256 amount, bytes32 redemptionReference) external onlyCustodianOf(id) {
        if (amount == 0) revert ZeroAmount();
        if (from != msg.sender && !isApprovedForAll(from, msg.sender)) revert NotOwnerNorApproved(from, msg.sender);
        _useReference(_commoditiesStorage().redemptionUsed, redemptionReference);
        _burn(from, id, amount);
        emit RedeemedPhysical(id, from, amount, redemptionReference);
    }

    // ---------------------------------------------------------------- views

    function uri(uint256 id) public view override returns (string memory) {
        return _listed(id).uri;
    }

    function asset(uint256 id) external view returns (Asset memory) {
        return _listed(id);
    }

    function assetIds() external view returns (uint256[] memory) {
        return _commoditiesStorage().assetIds;
    }

    function isReceiptUsed(bytes32 warehouseReceipt) external view returns (bool) {
        return _commoditiesStorage().receiptUsed[warehouseReceipt];
    }

    function isRedemptionReferenceUsed(bytes32 redemptionReference) external view returns (bool) {
        return _commoditiesStorage().redemptionUsed[redemptionReference];
    }

    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC1155Upgradeable, AccessControlUpgradeable)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    /// Every balance change passes here: each non-zero party must be verified now.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0)) _requireVerified(from);
        if (to != address(0)) _requireVerified(to);
        super._update(from, to, ids, values);
    }

    function _addAsset(uint256 id, address custodian, string calldata assetUri) private {
        CityCommoditiesStorage storage $ = _commoditiesStorage();
        if ($.assets[id].listed) revert AssetAlreadyListed(id);
        if (custodian == address(0)) revert ZeroAddress();
        $.assets[id] = Asset({custodian: custodian, attestedAt: 0, listed: true, reserve: 0, uri: assetUri});
        $.assetIds.push(id);
        emit AssetAdded(id, custodian, assetUri);
        emit URI(assetUri, id);
    }

    function _useReference(mapping(bytes32 => bool) storage used, bytes32 usedReference) private {
        if (usedReference == bytes32(0)) revert EmptyReference();
        if (used[usedReference]) revert ReferenceAlreadyUsed(usedReference);
        used[usedReference] = true;
    }

    function _listed(uint256 id) private view returns (Asset storage entry) {
        entry = _commoditiesStorage().assets[id];
        if (!entry.listed) revert UnknownAsset(id);
    }

    function _commoditiesStorage() private pure returns (CityCommoditiesStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
