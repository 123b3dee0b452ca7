// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title CityCouncil
 * @notice Busan's governance: a weighted M-of-N multisig. Every owner has a vote weight and a
 * proposal executes once the owners who confirmed it carry at least `threshold` weight.
 * Weights (rather than one vote per key) let the city hall hold the majority with a single
 * key while council members still have to co-sign: e.g. city 3, two members 1 each,
 * threshold 4. The council holds every admin role of the other system contracts and is the
 * only account allowed to upgrade them, and itself.
 *
 * Owner, weight and threshold changes are ordinary proposals whose target is this contract:
 * the functions that make them accept calls from the council itself only.
 */
contract CityCouncil is Initializable, UUPSUpgradeable {
    /// Bounds the owner loop in {confirmedWeight} so execution gas stays predictable.
    uint256 public constant MAX_OWNERS = 32;

    struct OwnerWeight {
        address owner;
        uint96 weight;
    }

    struct Proposal {
        address target;
        bool executed;
        address proposer;
        uint256 value;
        bytes data;
    }

    /// @custom:storage-location erc7201:busan.storage.CityCouncil
    struct CityCouncilStorage {
        address[] owners;
        mapping(address owner => uint96) weightOf;
        uint256 totalWeight;
        uint256 threshold;
        Proposal[] proposals;
        /// Records the confirming owner's membership term (see `termOf`); a confirmation counts
        /// only while that term lasts, so an owner removed and added again starts afresh.
        mapping(uint256 proposalId => mapping(address owner => uint256 term)) confirmedIn;
        mapping(address owner => uint256 term) termOf;
        uint256 termCount;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.CityCouncil")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x4788c866e8c857c9f37f5ed3039e8049711cf954e2f6cd337fde7466f7466000;

    event ProposalCreated(uint256 indexed proposalId, address indexed proposer, address indexed target, uint256 value, bytes data);
    event ProposalConfirmed(uint256 indexed proposalId, address indexed owner);
    event ConfirmationRevoked(uint256 indexed proposalId, address indexed owner);
    event ProposalExecuted(uint256 indexed proposalId, address indexed executor);
    event OwnerAdded(address indexed owner, uint96 weight);
    event OwnerRemoved(address indexed owner);
    event OwnerWeightChanged(address indexed owner, uint96 weight);
    event ThresholdChanged(uint256 threshold);

    error NotOwner(address account);
    error OnlyCouncil();
    error InvalidOwner(address owner);
    error DuplicateOwner(address owner);
    error ZeroWeight(address owner);
    error TooManyOwners();
    error InvalidThreshold(uint256 threshold, uint256 totalWeight);
    error UnknownProposal(uint256 proposalId);
    error AlreadyExecuted(uint256 proposalId);
    error AlreadyConfirmed(uint256 proposalId, address owner);
    error NotConfirmed(uint256 proposalId, address owner);
    error ThresholdNotReached(uint256 proposalId, uint256 confirmedWeight, uint256 threshold);

    modifier onlyOwner() {
        if (_councilStorage().weightOf[msg.sender] == 0) revert NotOwner(msg.sender);
        _;
    }

    /// Council-only functions run as the target of an executed proposal.
    modifier onlyCouncil() {
        if (msg.sender != address(this)) revert OnlyCouncil();
        _;
    }

    modifier pending(uint256 proposalId) {
        CityCouncilStorage storage $ = _councilStorage();
        if (proposalId >= $.proposals.length) revert UnknownProposal(proposalId);
        if ($.proposals[proposalId].executed) revert AlreadyExecuted(proposalId);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(OwnerWeight[] calldata initialOwners, uint256 initialThreshold) external initializer {
        for (uint256 i = 0; i < initialOwners.length; i++) {
            _addOwner(initialOwners[i].owner, initialOwners[i].weight);
        }
        _setThreshold(initialThreshold);
    }

    /// Funds sent to the council can be spent by proposals with a non-zero `value`.
    receive() external payable {}

    // ---------------------------------------------------------------- proposals

    /// Creates a proposal and counts the proposer's confirmation.
    function propose(address target, uint256 value, bytes calldata data) external onlyOwner returns (uint256 proposalId) {
        CityCouncilStorage storage $ = _councilStorage();
        proposalId = $.proposals.length;
        $.proposals.push(Proposal({target: target, executed: false, proposer: msg.sender, value: value, data: data}));
        emit ProposalCreated(proposalId, msg.sender, target, value, data);
        _confirm(proposalId);
    }

    function confirm(uint256 proposalId) external onlyOwner pending(proposalId) {
        _confirm(proposalId);
    }

    function revokeConfirmation(uint256 proposalId) external onlyOwner pending(proposalId) {
        CityCouncilStorage storage $ = _councilStorage();
        if (!_isConfirmedBy($, proposalId, msg.sender)) revert NotConfirmed(proposalId, msg.sender);
        delete $.confirmedIn[proposalId][msg.sender];
        emit ConfirmationRevoked(proposalId, msg.sender);
    }

    /**
     * Performs the proposal's call once confirmed by enough weight. The weight is counted now,
     * against the current owners, so confirmations of removed owners no longer count. A call
     * that reverts reverts the execution too, leaving the proposal pending.
     */
    function execute(uint256 proposalId) external onlyOwner pending(proposalId) returns (bytes memory result) {
        CityCouncilStorage storage $ = _councilStorage();
        uint256 weight = confirmedWeight(proposalId);
        if (weight < $.threshold) revert ThresholdNotReached(proposalId, weight, $.threshold);
        Proposal storage entry = $.proposals[proposalId];
        entry.executed = true;
        emit ProposalExecuted(proposalId, msg.sender);
        // A plain call, not Address.functionCall: proposals may pay an account without code.
        (bool success, bytes memory returned) = entry.target.call{value: entry.value}(entry.data);
        result = Address.verifyCallResult(success, returned);
    }

    // ---------------------------------------------------------------- membership (council only)

    function addOwner(address owner, uint96 weight) external onlyCouncil {
        _addOwner(owner, weight);
        _requireValidThreshold(_councilStorage().threshold);
    }

    /// Removing an owner must leave enough weight to reach the threshold.
    function removeOwner(address owner) external onlyCouncil {
        CityCouncilStorage storage $ = _councilStorage();
        uint96 weight = $.weightOf[owner];
        if (weight == 0) revert NotOwner(owner);
        address[] storage members = $.owners;
        for (uint256 i = 0; i < members.length; i++) {
            if (members[i] == owner) {
                members[i] = members[members.length - 1];
                members.pop();
                break;
            }
        }
        delete $.weightOf[owner];
        delete $.termOf[owner];
        $.totalWeight -= weight;
        _requireValidThreshold($.threshold);
        emit OwnerRemoved(owner);
    }

    function changeWeight(address owner, uint96 weight) external onlyCouncil {
        CityCouncilStorage storage $ = _councilStorage();
        uint96 previous = $.weightOf[owner];
        if (previous == 0) revert NotOwner(owner);
        if (weight == 0) revert ZeroWeight(owner);
        $.weightOf[owner] = weight;
        $.totalWeight = $.totalWeight - previous + weight;
        _requireValidThreshold($.threshold);
        emit OwnerWeightChanged(owner, weight);
    }

    function changeThreshold(uint256 newThreshold) external onlyCouncil {
        _setThreshold(newThreshold);
    }

    // ---------------------------------------------------------------- views

    function owners() external view returns (OwnerWeight[] memory list) {
        CityCouncilStorage storage $ = _councilStorage();
        list = new OwnerWeight[]($.owners.length);
        for (uint256 i = 0; i < list.length; i++) {
            list[i] = OwnerWeight({owner: $.owners[i], weight: $.weightOf[$.owners[i]]});
        }
    }

    function weightOf(address owner) external view returns (uint96) {
        return _councilStorage().weightOf[owner];
    }

    function isOwner(address account) external view returns (bool) {
        return _councilStorage().weightOf[account] != 0;
    }

    function threshold() external view returns (uint256) {
        return _councilStorage().threshold;
    }

    function totalWeight() external view returns (uint256) {
        return _councilStorage().totalWeight;
    }

    function proposalCount() external view returns (uint256) {
        return _councilStorage().proposals.length;
    }

    function proposal(uint256 proposalId) external view returns (Proposal memory) {
        CityCouncilStorage storage $ = _councilStorage();
        if (proposalId >= $.proposals.length) revert UnknownProposal(proposalId);
        return $.proposals[proposalId];
    }

    function isConfirmedBy(uint256 proposalId, address owner) external view returns (bool) {
        return _isConfirmedBy(_councilStorage(), proposalId, owner);
    }

    /// Weight of the current owners who confirm the proposal.
    function confirmedWeight(uint256 proposalId) public view returns (uint256 weight) {
        CityCouncilStorage storage $ = _councilStorage();
        for (uint256 i = 0; i < $.owners.length; i++) {
            address owner = $.owners[i];
            if (_isConfirmedBy($, proposalId, owner)) weight += $.weightOf[owner];
        }
    }

    // ---------------------------------------------------------------- internals

    function _confirm(uint256 proposalId) private {
        CityCouncilStorage storage $ = _councilStorage();
        if (_isConfirmedBy($, proposalId, msg.sender)) revert AlreadyConfirmed(proposalId, msg.sender);
        $.confirmedIn[proposalId][msg.sender] = $.termOf[msg.sender];
        emit ProposalConfirmed(proposalId, msg.sender);
    }

    function _isConfirmedBy(CityCouncilStorage storage $, uint256 proposalId, address owner) private view returns (bool) {
        uint256 term = $.termOf[owner];
        return term != 0 && $.confirmedIn[proposalId][owner] == term;
    }

    function _addOwner(address owner, uint96 weight) private {
        CityCouncilStorage storage $ = _councilStorage();
        if (owner == address(0) || owner == address(this)) revert InvalidOwner(owner);
        if ($.weightOf[owner] != 0) revert DuplicateOwner(owner);
        if (weight == 0) revert ZeroWeight(owner);
        if ($.owners.length == MAX_OWNERS) revert TooManyOwners();
        $.owners.push(owner);
        $.weightOf[owner] = weight;
        $.termOf[owner] = ++$.termCount;
        $.totalWeight += weight;
        emit OwnerAdded(owner, weight);
    }

    function _setThreshold(uint256 newThreshold) private {
        _requireValidThreshold(newThreshold);
        _councilStorage().threshold = newThreshold;
        emit ThresholdChanged(newThreshold);
    }

    function _requireValidThreshold(uint256 value) private view {
        uint256 total = _councilStorage().totalWeight;
        if (value == 0 || value > total) revert InvalidThreshold(value, total);
    }

    /// Upgrades of the council are proposals like any other.
    function _authorizeUpgrade(address) internal override onlyCouncil {}

    function _councilStorage() private pure returns (CityCouncilStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
