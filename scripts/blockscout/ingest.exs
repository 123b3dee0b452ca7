# Runs Blockscout's internal-transaction ingestion (EthereumJSONRPC.Geth, compiled from a
# Blockscout checkout by scripts/blockscout-check.ts) against a node, per transaction and per
# block, and writes what it returned as JSON for the TypeScript side to check.
#   elixir -pa <compiled beams> ingest.exs <node url> <input.json> <output.json>
# input.json: {"transactions": [{"hash", "block_hash", "block_number", "transaction_index"}], "blocks": [n]}
[url, input_path, output_path] = System.argv()

# Blockscout's defaults in config/runtime.exs: INDEXER_INTERNAL_TRANSACTIONS_TRACER_TYPE
# ("call_tracer") and ETHEREUM_JSONRPC_DEBUG_TRACE_TRANSACTION_TIMEOUT ("5s").
Application.put_env(:ethereum_jsonrpc, EthereumJSONRPC.Geth, tracer: "call_tracer", debug_trace_timeout: "5s")

# The shape of Blockscout's json_rpc_named_arguments for an HTTP node (the transport modules
# named here are not loaded: our EthereumJSONRPC stand-in does the HTTP itself).
json_rpc_named_arguments = [
  transport: EthereumJSONRPC.HTTP,
  transport_options: [urls: [url], http_options: [recv_timeout: 600_000, timeout: 600_000]],
  variant: EthereumJSONRPC.Geth
]

input = input_path |> File.read!() |> :jiffy.decode([:return_maps])

# Blockscout's answer as JSON: the params list, or the error (any term) as text; a crash too.
run = fn fetch ->
  try do
    case fetch.() do
      {:ok, params} -> %{ok: params}
      other -> %{error: inspect(other, limit: :infinity)}
    end
  rescue
    exception -> %{error: "raised " <> Exception.format(:error, exception, __STACKTRACE__)}
  end
end

# What Blockscout's indexer passes (Indexer.Fetcher.InternalTransaction): one map per transaction.
transactions =
  for tx <- input["transactions"] do
    params = %{block_number: tx["block_number"], hash_data: tx["hash"], transaction_index: tx["transaction_index"]}
    result = run.(fn -> EthereumJSONRPC.Geth.fetch_internal_transactions([params], json_rpc_named_arguments) end)

    # The transaction page's first trace (callTracer with onlyTopCall); the rest of its answer
    # echoes the arguments.
    first =
      run.(fn ->
        with {:ok, [%{first_trace: trace}]} <-
               EthereumJSONRPC.Geth.fetch_first_trace([Map.put(params, :block_hash, tx["block_hash"])], json_rpc_named_arguments),
             do: {:ok, trace}
      end)

    Map.merge(result, %{hash: tx["hash"], first_trace: first})
  end

blocks =
  for number <- input["blocks"] do
    result = run.(fn -> EthereumJSONRPC.Geth.fetch_block_internal_transactions([number], json_rpc_named_arguments) end)
    Map.put(result, :block_number, number)
  end

File.write!(output_path, :jiffy.encode(%{transactions: transactions, blocks: blocks}, [:use_nil]))
