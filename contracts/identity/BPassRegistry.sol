// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CitySystemUpgradeable} from "../common/CitySystemUpgradeable.sol";
import {BPassRoles, IBPassRegistry} from "./IBPassRegistry.sol";

/**
 * @title BPassRegistry
 * @notice Busan's on-chain identity registry (B-Pass). Accredited issuers bind a holder address
 * to an identity: a hash of the off-chain credential (never personal data), a bitmask of city
 * roles, a validity period and a status. The other system contracts only ask
 * {isVerified} and {hasBPassRole}, so suspending, revoking or letting a credential expire cuts a
 * holder off everywhere at once.
 *
 * An address is bound to at most one identity. A revoked identity keeps its address bound,
 * so a revoked holder cannot be quietly re-registered at the same address. A holder moves an
 * identity (same id) to a new address by requesting the rotation from the current address;
 * an issuer then approves it.
 */
contract BPassRegistry is CitySystemUpgradeable, IBPassRegistry {
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    enum Status {
        None,
        Active,
        Suspended,
        Revoked
    }

    struct Identity {
        address holder;
        uint32 roles;
        uint64 validFrom;
        /// First second at which the credential is no longer valid.
        uint64 validUntil;
        Status status;
        address issuer;
        bytes32 credentialHash;
    }

    /// @custom:storage-location erc7201:busan.storage.BPassRegistry
    struct BPassRegistryStorage {
        uint256 identityCount;
        mapping(uint256 identityId => Identity) identities;
        mapping(address holder => uint256 identityId) identityIdOf;
        mapping(uint256 identityId => address newHolder) pendingRotation;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.BPassRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x310e6ffec66f17104208aab688e39d4346115e390a9264c50ee6a2e229c05600;

    event IdentityRegistered(
        uint256 indexed identityId,
        address indexed holder,
        address indexed issuer,
        bytes32 credentialHash,
        uint32 roles,
        uint64 validFrom,
        uint64 validUntil
    );
    event IdentityRenewed(uint256 indexed identityId, address indexed issuer, bytes32 credentialHash, uint64 validFrom, uint64 validUntil);
    event RolesChanged(uint256 indexed identityId, address indexed issuer, uint32 roles);
    event StatusChanged(uint256 indexed identityId, address indexed issuer, Status status);
    event RotationRequested(uint256 indexed identityId, address indexed holder, address indexed newHolder);
    event HolderRotated(uint256 indexed identityId, address indexed previousHolder, address indexed newHolder, address issuer);

    error HolderAlreadyBound(address holder, uint256 identityId);
    error UnknownIdentity(uint256 identityId);
    error NotAHolder(address account);
    error InvalidRoles(uint32 roles);
    error InvalidValidity(uint64 validFrom, uint64 validUntil);
    error EmptyCredentialHash();
    error InvalidStatus(uint256 identityId, Status status);
    error RotationNotRequested(uint256 identityId, address newHolder);

    function initialize(address council, address[] calldata issuers) external initializer {
        __CitySystem_init(council);
        for (uint256 i = 0; i < issuers.length; i++) {
            _grantRole(ISSUER_ROLE, issuers[i]);
        }
    }

    // ---------------------------------------------------------------- issuers

    function register(address holder, bytes32 credentialHash, uint32 roles, uint64 validFrom, uint64 validUntil)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 identityId)
    {
        BPassRegistryStorage storage $ = _registryStorage();
        if (holder == address(0)) revert ZeroAddress();
        if ($.identityIdOf[holder] != 0) revert HolderAlreadyBound(holder, $.identityIdOf[holder]);
        _requireValidRoles(roles);
        _requireValidCredential(credentialHash, validFrom, validUntil);
        identityId = ++$.identityCount;
        $.identities[identityId] = Identity({
            holder: holder,
            roles: roles,
            validFrom: validFrom,
            validUntil: validUntil,
            status: Status.Active,
            issuer: msg.sender,
            credentialHash: credentialHash
        });
        $.identityIdOf[holder] = identityId;
        emit IdentityRegistered(identityId, holder, msg.sender, credentialHash, roles, validFrom, validUntil);
    }

    /// Records a re-issued credential: new hash and validity period, same identity.
    function renew(uint256 identityId, bytes32 credentialHash, uint64 validFrom, uint64 validUntil) external onlyRole(ISSUER_ROLE) {
        Identity storage entry = _notRevoked(identityId);
        _requireValidCredential(credentialHash, validFrom, validUntil);
        entry.credentialHash = credentialHash;
        entry.validFrom = validFrom;
        entry.validUntil = validUntil;
        emit IdentityRenewed(identityId, msg.sender, credentialHash, validFrom, validUntil);
    }

    function setRoles(uint256 identityId, uint32 roles) external onlyRole(ISSUER_ROLE) {
        Identity storage entry = _notRevoked(identityId);
        _requireValidRoles(roles);
        entry.roles = roles;
        emit RolesChanged(identityId, msg.sender, roles);
    }

    function suspend(uint256 identityId) external onlyRole(ISSUER_ROLE) {
        _transition(identityId, Status.Active, Status.Suspended);
    }

    function reinstate(uint256 identityId) external onlyRole(ISSUER_ROLE) {
        _transition(identityId, Status.Suspended, Status.Active);
    }

    /// Final: a revoked identity cannot be reinstated, renewed or rotated.
    function revoke(uint256 identityId) external onlyRole(ISSUER_ROLE) {
        Identity storage entry = _notRevoked(identityId);
        entry.status = Status.Revoked;
        delete _registryStorage().pendingRotation[identityId];
        emit StatusChanged(identityId, msg.sender, Status.Revoked);
    }

    /// Completes a rotation the holder requested: the identity moves to `newHolder`.
    function approveRotation(uint256 identityId, address newHolder) external onlyRole(ISSUER_ROLE) {
        BPassRegistryStorage storage $ = _registryStorage();
        Identity storage entry = _notRevoked(identityId);
        if (newHolder == address(0) || $.pendingRotation[identityId] != newHolder) revert RotationNotRequested(identityId, newHolder);
        if ($.identityIdOf[newHolder] != 0) revert HolderAlreadyBound(newHolder, $.identityIdOf[newHolder]);
        address previousHolder = entry.holder;
        delete $.pendingRotation[identityId];
        delete $.identityIdOf[previousHolder];
        $.identityIdOf[newHolder] = identityId;
        entry.holder = newHolder;
        emit HolderRotated(identityId, previousHolder, newHolder, msg.sender);
    }

    // ---------------------------------------------------------------- holders

    /// Asks the issuers to move the caller's identity to `newHolder`; address(0) withdraws the request.
    function requestRotation(address newHolder) external {
        BPassRegistryStorage storage $ = _registryStorage();
        uint256 identityId = $.identityIdOf[msg.sender];
        if (identityId == 0) revert NotAHolder(msg.sender);
        _notRevoked(identityId);
        if (newHolder != address(0) && $.identityIdOf[newHolder] != 0) revert HolderAlreadyBound(newHolder, $.identityIdOf[newHolder]);
        $.pendingRotation[identityId] = newHolder;
        emit RotationRequested(identityId, msg.sender, newHolder);
    }

    // ---------------------------------------------------------------- views

    function isVerified(address account) public view returns (bool) {
        BPassRegistryStorage storage $ = _registryStorage();
        Identity storage entry = $.identities[$.identityIdOf[account]];
        return entry.status == Status.Active && entry.validFrom <= block.timestamp && block.timestamp < entry.validUntil;
    }

    /// B-Pass roles. Not named `hasRole`: that is AccessControl's (issuers, admin), and an
    /// overload would make name-based ABI lookups (ethers, viem) ambiguous.
    function hasBPassRole(address account, uint32 roles) external view returns (bool) {
        BPassRegistryStorage storage $ = _registryStorage();
        return isVerified(account) && $.identities[$.identityIdOf[account]].roles & roles == roles;
    }

    function identityIdOf(address account) external view returns (uint256) {
        return _registryStorage().identityIdOf[account];
    }

    function identity(uint256 identityId) external view returns (Identity memory) {
        return _existing(identityId);
    }

    function pendingRotation(uint256 identityId) external view returns (address) {
        return _registryStorage().pendingRotation[identityId];
    }

    function identityCount() external view returns (uint256) {
        return _registryStorage().identityCount;
    }

    // ---------------------------------------------------------------- internals

    function _transition(uint256 identityId, Status from, Status to) private {
        Identity storage entry = _existing(identityId);
        if (entry.status != from) revert InvalidStatus(identityId, entry.status);
        entry.status = to;
        emit StatusChanged(identityId, msg.sender, to);
    }

    function _existing(uint256 identityId) private view returns (Identity storage entry) {
        entry = _registryStorage().identities[identityId];
        if (entry.status == Status.None) revert UnknownIdentity(identityId);
    }

    function _notRevoked(uint256 identityId) private view returns (Identity storage entry) {
        entry = _existing(identityId);
        if (entry.status == Status.Revoked) revert InvalidStatus(identityId, Status.Revoked);
    }

    function _requireValidRoles(uint32 roles) private pure {
        if (roles == 0 || roles & ~BPassRoles.ALL != 0) revert InvalidRoles(roles);
    }

    function _requireValidCredential(bytes32 credentialHash, uint64 validFrom, uint64 validUntil) private pure {
        if (credentialHash == bytes32(0)) revert EmptyCredentialHash();
        if (validFrom >= validUntil) revert InvalidValidity(validFrom, validUntil);
    }

    function _registryStorage() private pure returns (BPassRegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
