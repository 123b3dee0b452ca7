// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// B-Pass role bits. A holder's roles are the OR of these.
library BPassRoles {
    uint32 internal constant RESIDENT = 1 << 0;
    uint32 internal constant MERCHANT = 1 << 1;
    uint32 internal constant BUSINESS = 1 << 2;
    uint32 internal constant CUSTODIAN = 1 << 3;
    uint32 internal constant EXCHANGE_OPERATOR = 1 << 4;
    uint32 internal constant ALL = RESIDENT | MERCHANT | BUSINESS | CUSTODIAN | EXCHANGE_OPERATOR;
}

/// What the other system contracts ask the B-Pass registry.
interface IBPassRegistry {
    /// True while the address holds an active identity whose validity period contains now.
    function isVerified(address account) external view returns (bool);

    /// True when the address is verified and holds every bit of `roles`.
    function hasBPassRole(address account, uint32 roles) external view returns (bool);
}
