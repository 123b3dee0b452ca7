// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The cheatcodes this script uses, as forge-std's Vm interface declares them. The cheatcodes are
/// forge's own; declaring them here lets the example build without forge-std, a git dependency
/// (`forge install`) that an offline machine cannot fetch.
interface Vm {
    function startBroadcast() external;
    function stopBroadcast() external;
    function envUint(string calldata name) external view returns (uint256);
}

/// What the script deploys: a counter whose starting value is a constructor argument, so the
/// CREATE2 address depends on the arguments as well as the code.
contract Counter {
    uint256 public immutable start;
    uint256 public count;

    constructor(uint256 initial) {
        start = initial;
        count = initial;
    }

    function increment() external {
        count += 1;
    }
}

/// `new X{salt: s}()` in a broadcast: forge sends it to the deterministic deployment proxy at
/// 0x4e59b44847b379578588920cA78FbF26c0B4956C (calldata: salt ++ initcode), which CREATE2s it.
contract DeployWithSalt {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external returns (Counter counter) {
        vm.startBroadcast();
        counter = new Counter{salt: bytes32(vm.envUint("COUNTER_SALT"))}(vm.envUint("COUNTER_START"));
        vm.stopBroadcast();
    }
}
