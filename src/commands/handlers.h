// Every command handler, grouped by the file that implements it. The command table refers to
// these; nothing else calls them directly.
#pragma once

#include "petrel/command/context.h"

namespace petrel::commands {

using command::CommandContext;

// string_commands.cc
void Set(CommandContext& c);
void Get(CommandContext& c);
void GetSet(CommandContext& c);
void GetDel(CommandContext& c);
void GetEx(CommandContext& c);
void SetNx(CommandContext& c);
void SetEx(CommandContext& c);
void PSetEx(CommandContext& c);
void MSet(CommandContext& c);
void MSetNx(CommandContext& c);
void MGet(CommandContext& c);
void Append(CommandContext& c);
void StrLen(CommandContext& c);
void GetRange(CommandContext& c);  // also SUBSTR
void SetRange(CommandContext& c);
void Incr(CommandContext& c);
void Decr(CommandContext& c);
void IncrBy(CommandContext& c);
void DecrBy(CommandContext& c);
void IncrByFloat(CommandContext& c);
void Lcs(CommandContext& c);

// key_commands.cc
void Del(CommandContext& c);  // also UNLINK
void Exists(CommandContext& c);
void Type(CommandContext& c);
void Keys(CommandContext& c);
void Scan(CommandContext& c);
void RandomKey(CommandContext& c);
void Rename(CommandContext& c);
void RenameNx(CommandContext& c);
void Copy(CommandContext& c);
void Move(CommandContext& c);
void Touch(CommandContext& c);
void DbSize(CommandContext& c);
void FlushDb(CommandContext& c);
void FlushAll(CommandContext& c);
void Select(CommandContext& c);
void SwapDb(CommandContext& c);
void ObjectEncoding(CommandContext& c);
void ObjectIdleTime(CommandContext& c);
void ObjectFreq(CommandContext& c);
void ObjectRefCount(CommandContext& c);
void ObjectHelp(CommandContext& c);
void MemoryUsage(CommandContext& c);
void MemoryHelp(CommandContext& c);

// expire_commands.cc
void Expire(CommandContext& c);     // EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT by spec name
void Ttl(CommandContext& c);        // TTL, PTTL, EXPIRETIME, PEXPIRETIME by spec name
void Persist(CommandContext& c);

// connection_commands.cc
void Ping(CommandContext& c);
void Echo(CommandContext& c);
void Quit(CommandContext& c);
void Reset(CommandContext& c);
void Hello(CommandContext& c);
void Auth(CommandContext& c);
void ClientId(CommandContext& c);
void ClientSetName(CommandContext& c);
void ClientGetName(CommandContext& c);
void ClientList(CommandContext& c);
void ClientInfo(CommandContext& c);
void ClientKill(CommandContext& c);
void ClientSetInfo(CommandContext& c);
void ClientReply(CommandContext& c);
void ClientNoEvict(CommandContext& c);
void ClientPause(CommandContext& c);
void ClientUnpause(CommandContext& c);
void ClientHelp(CommandContext& c);

// server_commands.cc
void Info(CommandContext& c);
void ConfigGet(CommandContext& c);
void ConfigSet(CommandContext& c);
void ConfigResetStat(CommandContext& c);
void ConfigRewrite(CommandContext& c);
void ConfigHelp(CommandContext& c);
void Time(CommandContext& c);
void Shutdown(CommandContext& c);
void SlowlogGet(CommandContext& c);
void SlowlogLen(CommandContext& c);
void SlowlogReset(CommandContext& c);
void SlowlogHelp(CommandContext& c);
void LatencyLatest(CommandContext& c);
void LatencyReset(CommandContext& c);
void LatencyHelp(CommandContext& c);
void FunctionFlush(CommandContext& c);
void FunctionList(CommandContext& c);
void FunctionHelp(CommandContext& c);
void Save(CommandContext& c);
void Bgsave(CommandContext& c);
void LastSave(CommandContext& c);
void BgRewriteAof(CommandContext& c);
void ReplicaOf(CommandContext& c);  // also SLAVEOF
void Role(CommandContext& c);
void Wait(CommandContext& c);
void Replconf(CommandContext& c);
void Psync(CommandContext& c);  // also SYNC

// hash_commands.cc
void HSet(CommandContext& c);  // also HMSET (replies +OK for it)
void HSetNx(CommandContext& c);
void HGet(CommandContext& c);
void HMGet(CommandContext& c);
void HDel(CommandContext& c);
void HExists(CommandContext& c);
void HGetAll(CommandContext& c);
void HKeys(CommandContext& c);
void HVals(CommandContext& c);
void HLen(CommandContext& c);
void HStrLen(CommandContext& c);
void HIncrBy(CommandContext& c);
void HIncrByFloat(CommandContext& c);
void HRandField(CommandContext& c);
void HScan(CommandContext& c);

// transaction_commands.cc
void Multi(CommandContext& c);
void Exec(CommandContext& c);
void Discard(CommandContext& c);
void Watch(CommandContext& c);
void Unwatch(CommandContext& c);

// pubsub_commands.cc
void Subscribe(CommandContext& c);
void Unsubscribe(CommandContext& c);
void PSubscribe(CommandContext& c);
void PUnsubscribe(CommandContext& c);
void SSubscribe(CommandContext& c);
void SUnsubscribe(CommandContext& c);
void Publish(CommandContext& c);
void SPublish(CommandContext& c);
void PubsubChannels(CommandContext& c);
void PubsubNumSub(CommandContext& c);
void PubsubNumPat(CommandContext& c);
void PubsubShardChannels(CommandContext& c);
void PubsubShardNumSub(CommandContext& c);
void PubsubHelp(CommandContext& c);

// monitor_command.cc
void Monitor(CommandContext& c);

// command_commands.cc (introspection generated from the table)
void Command(CommandContext& c);
void CommandCount(CommandContext& c);
void CommandInfo(CommandContext& c);
void CommandDocs(CommandContext& c);
void CommandList(CommandContext& c);
void CommandGetKeys(CommandContext& c);
void CommandGetKeysAndFlags(CommandContext& c);
void CommandHelp(CommandContext& c);

}  // namespace petrel::commands
