// Account rows: the queries the rest of the app uses to find and change connected accounts.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type Account, accounts } from '../db/schema.js';
import { UserError } from '../lib/errors.js';

export async function listAccounts(db: Db): Promise<Account[]> {
  return db.select().from(accounts).orderBy(asc(accounts.name));
}

export async function findAccount(db: Db, name: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.name, name));
  return row;
}

export async function getAccount(db: Db, id: number): Promise<Account> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id));
  if (!row) throw new Error(`account ${id} does not exist`);
  return row;
}

/** The account by name, or a UserError that lists the names that do exist. */
export async function requireAccount(db: Db, name: string): Promise<Account> {
  const row = await findAccount(db, name);
  if (row) return row;
  const names = (await listAccounts(db)).map((a) => `\`${a.name}\``);
  throw new UserError(
    `There is no account called \`${name}\`. ${names.length ? `Connected: ${names.join(', ')}.` : 'Connect one with `/spot connect <name>`.'}`,
  );
}

export async function findAccountByAwsId(db: Db, awsAccountId: string): Promise<Account | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.awsAccountId, awsAccountId));
  return row;
}

/** Verified accounts: the only ones scans, jobs and executions touch. */
export async function verifiedAccounts(db: Db): Promise<Account[]> {
  return (await listAccounts(db)).filter((a) => a.status === 'verified' && a.roleArn);
}
