// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {CitySystemUpgradeable} from "../common/CitySystemUpgradeable.sol";
import {BPassGated} from "../identity/BPassGated.sol";
import {IBPassRegistry} from "../identity/IBPassRegistry.sol";

/**
 * @title CityExchange
 * @notice Atomic delivery-versus-payment for commodity tokens. Buyers and sellers sign EIP-712
 * orders off chain; a licensed exchange operator matches a maker order with a taker order and
 * submits the pair. In one transaction the seller's commodity tokens go to the buyer and the
 * buyer's payment goes to the seller, less the exchange fee which goes to the fee treasury;
 * if any leg fails nothing moves.
 *
 * The trade executes at the maker's price. Orders fill partially (filled amounts are tracked
 * per order hash) and their signers can cancel them. The EIP-712 domain binds signatures to
 * this chain and this contract, and each order hash fills at most its amount, so a signature
 * cannot be replayed on another order, chain or contract. The exchange holds no funds: buyers
 * approve it for the payment token and sellers approve it as operator of their commodities.
 */
contract CityExchange is CitySystemUpgradeable, EIP712Upgradeable, ReentrancyGuardTransient, BPassGated {
    using SafeERC20 for IERC20;

    bytes32 public constant OPERATOR_ROLE = keccak256("EXCHANGE_OPERATOR_ROLE");
    uint8 public constant BUY = 0;
    uint8 public constant SELL = 1;
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint16 private constant BPS = 10_000;

    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(address signer,uint8 side,uint256 assetId,uint256 amount,uint256 price,address paymentToken,uint64 expiry,uint256 salt)"
    );

    /// `amount` is in asset units; `price` is in payment-token base units per asset unit.
    struct Order {
        address signer;
        uint8 side;
        uint256 assetId;
        uint256 amount;
        uint256 price;
        address paymentToken;
        /// Last second (block timestamp) at which the order can fill.
        uint64 expiry;
        uint256 salt;
    }

    struct SignedOrder {
        Order order;
        bytes signature;
    }

    /// One fill as settled; the fields of the {Trade} event.
    struct TradeRecord {
        bytes32 buyOrderHash;
        bytes32 sellOrderHash;
        address buyer;
        address seller;
        bool buyerIsMaker;
        uint256 assetId;
        uint256 amount;
        address paymentToken;
        uint256 price;
        uint256 fee;
    }

    /// @custom:storage-location erc7201:busan.storage.CityExchange
    struct CityExchangeStorage {
        IERC1155 commodities;
        address feeTreasury;
        uint16 feeBps;
        mapping(address token => bool) paymentTokenAllowed;
        mapping(bytes32 orderHash => uint256) filled;
        mapping(bytes32 orderHash => bool) cancelled;
    }

    // keccak256(abi.encode(uint256(keccak256("busan.storage.CityExchange")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xc0f122d67aeba63bf6a645ff191f288a3212b4cdd7901e41d5e1ee0e09d9f900;

    /// One fill. The seller received `amount * price - fee` and `feeTreasury` received `fee`.
    event Trade(
        bytes32 indexed buyOrderHash,
        bytes32 indexed sellOrderHash,
        address indexed buyer,
        address seller,
        bool buyerIsMaker,
        uint256 assetId,
        uint256 amount,
        address paymentToken,
        uint256 price,
        uint256 fee,
        address feeTreasury
    );
    event OrderCancelled(bytes32 indexed orderHash, address indexed signer);
    event FeeChanged(uint16 feeBps);
    event FeeTreasuryChanged(address indexed feeTreasury);
    event PaymentTokenAllowed(address indexed token, bool allowed);

    error ZeroFill();
    error InvalidSide(uint8 side);
    error SidesDoNotMatch();
    error AssetsDoNotMatch(uint256 makerAssetId, uint256 takerAssetId);
    error PaymentTokensDoNotMatch(address makerToken, address takerToken);
    error PaymentTokenNotAllowed(address token);
    error SelfTrade(address signer);
    error PricesDoNotCross(uint256 buyPrice, uint256 sellPrice);
    error OrderExpired(bytes32 orderHash, uint64 expiry);
    error OrderIsCancelled(bytes32 orderHash);
    error InvalidSignature(bytes32 orderHash, address signer);
    error Overfill(bytes32 orderHash, uint256 filled, uint256 fillAmount, uint256 amount);
    error NotOrderSigner(address caller, address signer);
    error FeeTooHigh(uint16 feeBps);

    struct ExchangeSetup {
        address council;
        IBPassRegistry registry;
        IERC1155 commodities;
        address feeTreasury;
        uint16 feeBps;
        address[] operators;
        address[] paymentTokens;
    }

    function initialize(ExchangeSetup calldata setup) external initializer {
        __CitySystem_init(setup.council);
        __EIP712_init("Busan City Exchange", "1");
        __BPassGated_init(setup.registry);
        if (address(setup.commodities) == address(0)) revert ZeroAddress();
        _exchangeStorage().commodities = setup.commodities;
        _setFeeTreasury(setup.feeTreasury);
        _setFee(setup.feeBps);
        for (uint256 i = 0; i < setup.operators.length; i++) {
            _grantRole(OPERATOR_ROLE, setup.operators[i]);
        }
        for (uint256 i = 0; i < setup.paymentTokens.length; i++) {
            _setPaymentTokenAllowed(setup.paymentTokens[i], true);
        }
    }

    // ---------------------------------------------------------------- settlement

    /**
     * Settles `fillAmount` asset units between a maker and a taker order at the maker's price.
     * Both signers must be B-Pass verified now; the payment token must be allowed.
     */
    function settle(SignedOrder calldata maker, SignedOrder calldata taker, uint256 fillAmount)
        external
        onlyRole(OPERATOR_ROLE)
        nonReentrant
    {
        if (fillAmount == 0) revert ZeroFill();
        _requireMatching(maker.order, taker.order);
        bool buyerIsMaker = maker.order.side == BUY;
        (SignedOrder calldata buy, SignedOrder calldata sell) = buyerIsMaker ? (maker, taker) : (taker, maker);
        if (buy.order.price < sell.order.price) revert PricesDoNotCross(buy.order.price, sell.order.price);
        _requireVerified(buy.order.signer);
        _requireVerified(sell.order.signer);
        TradeRecord memory trade = TradeRecord({
            buyOrderHash: _recordFill(buy, fillAmount),
            sellOrderHash: _recordFill(sell, fillAmount),
            buyer: buy.order.signer,
            seller: sell.order.signer,
            buyerIsMaker: buyerIsMaker,
            assetId: maker.order.assetId,
            amount: fillAmount,
            paymentToken: maker.order.paymentToken,
            price: maker.order.price,
            fee: 0
        });
        _deliver(trade);
        _emitTrade(trade);
    }

    /// The signer withdraws an order; fills already settled stand.
    function cancel(Order calldata order) external {
        if (msg.sender != order.signer) revert NotOrderSigner(msg.sender, order.signer);
        bytes32 orderHash = hashOrder(order);
        _exchangeStorage().cancelled[orderHash] = true;
        emit OrderCancelled(orderHash, msg.sender);
    }

    // ---------------------------------------------------------------- council

    function setFee(uint16 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFee(newFeeBps);
    }

    function setFeeTreasury(address newFeeTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFeeTreasury(newFeeTreasury);
    }

    function setPaymentTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPaymentTokenAllowed(token, allowed);
    }

    // ---------------------------------------------------------------- views

    /// The EIP-712 digest the order's signer signs.
    function hashOrder(Order calldata order) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ORDER_TYPEHASH, order)));
    }

    function filledAmount(bytes32 orderHash) external view returns (uint256) {
        return _exchangeStorage().filled[orderHash];
    }

    function isCancelled(bytes32 orderHash) external view returns (bool) {
        return _exchangeStorage().cancelled[orderHash];
    }

    function isPaymentTokenAllowed(address token) external view returns (bool) {
        return _exchangeStorage().paymentTokenAllowed[token];
    }

    function commodities() external view returns (IERC1155) {
        return _exchangeStorage().commodities;
    }

    function feeTreasury() external view returns (address) {
        return _exchangeStorage().feeTreasury;
    }

    function feeBps() external view returns (uint16) {
        return _exchangeStorage().feeBps;
    }

    // ---------------------------------------------------------------- internals

    function _requireMatching(Order calldata maker, Order calldata taker) private view {
        if (maker.side > SELL) revert InvalidSide(maker.side);
        if (taker.side > SELL) revert InvalidSide(taker.side);
        if (maker.side == taker.side) revert SidesDoNotMatch();
        if (maker.assetId != taker.assetId) revert AssetsDoNotMatch(maker.assetId, taker.assetId);
        if (maker.paymentToken != taker.paymentToken) revert PaymentTokensDoNotMatch(maker.paymentToken, taker.paymentToken);
        if (!_exchangeStorage().paymentTokenAllowed[maker.paymentToken]) revert PaymentTokenNotAllowed(maker.paymentToken);
        if (maker.signer == taker.signer) revert SelfTrade(maker.signer);
    }

    /// Checks an order can fill `fillAmount` more and records the fill; returns the order hash.
    function _recordFill(SignedOrder calldata signed, uint256 fillAmount) private returns (bytes32 orderHash) {
        CityExchangeStorage storage $ = _exchangeStorage();
        Order calldata order = signed.order;
        orderHash = hashOrder(order);
        if (block.timestamp > order.expiry) revert OrderExpired(orderHash, order.expiry);
        if ($.cancelled[orderHash]) revert OrderIsCancelled(orderHash);
        if (!SignatureChecker.isValidSignatureNow(order.signer, orderHash, signed.signature)) {
            revert InvalidSignature(orderHash, order.signer);
        }
        uint256 filled = $.filled[orderHash];
        if (filled + fillAmount > order.amount) revert Overfill(orderHash, filled, fillAmount, order.amount);
        $.filled[orderHash] = filled + fillAmount;
    }

    /// Both legs, payment first; any failing transfer reverts the whole settlement. Sets `trade.fee`.
    function _deliver(TradeRecord memory trade) private {
        CityExchangeStorage storage $ = _exchangeStorage();
        IERC20 paymentToken = IERC20(trade.paymentToken);
        uint256 payment = trade.amount * trade.price;
        trade.fee = payment * $.feeBps / BPS;
        paymentToken.safeTransferFrom(trade.buyer, trade.seller, payment - trade.fee);
        if (trade.fee != 0) paymentToken.safeTransferFrom(trade.buyer, $.feeTreasury, trade.fee);
        $.commodities.safeTransferFrom(trade.seller, trade.buyer, trade.assetId, trade.amount, "");
    }

    function _emitTrade(TradeRecord memory trade) private {
        emit Trade(
            trade.buyOrderHash,
            trade.sellOrderHash,
            trade.buyer,
            trade.seller,
            trade.buyerIsMaker,
            trade.assetId,
            trade.amount,
            trade.paymentToken,
            trade.price,
            trade.fee,
            _exchangeStorage().feeTreasury
        );
    }

    function _setFee(uint16 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps);
        _exchangeStorage().feeBps = newFeeBps;
        emit FeeChanged(newFeeBps);
    }

    function _setFeeTreasury(address newFeeTreasury) private {
        if (newFeeTreasury == address(0)) revert ZeroAddress();
        _exchangeStorage().feeTreasury = newFeeTreasury;
        emit FeeTreasuryChanged(newFeeTreasury);
    }

    function _setPaymentTokenAllowed(address token, bool allowed) private {
        if (token == address(0)) revert ZeroAddress();
        _exchangeStorage().paymentTokenAllowed[token] = allowed;
        emit PaymentTokenAllowed(token, allowed);
    }

    function _exchangeStorage() private pure returns (CityExchangeStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
