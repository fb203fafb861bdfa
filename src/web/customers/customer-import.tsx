import { Alert, Button, FileInput, Group, Progress, ScrollArea, Select, Stack, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { parse } from "csv-parse/browser/esm/sync";
import { stringify } from "csv-stringify/browser/esm/sync";
import { useState } from "react";
import {
  CUSTOMER_CSV_FIELDS,
  type CustomerCsvField,
  type ImportResult,
  type ImportRowError,
} from "../../shared/customers.js";
import { CUSTOMER_CSV_FIELD_LABELS } from "../../shared/labels.js";
import { errorMessage } from "../app/api.js";
import { useImportCustomers } from "./api.js";

const PREVIEW_ROWS = 5;
/** Rows per request while importing: small enough to show progress, large enough to stay fast. */
const CHUNK_ROWS = 1000;

const FIELD_OPTIONS = [
  { value: "", label: "Do not import" },
  ...CUSTOMER_CSV_FIELDS.map((f) => ({ value: f, label: CUSTOMER_CSV_FIELD_LABELS[f] })),
];

/** Row problems or warnings as a table: row, column, what is wrong (the first 500). */
function RowNotes({ notes, heading }: { notes: ImportRowError[]; heading: string }) {
  return (
    <ScrollArea.Autosize mah={240}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Row</Table.Th>
            <Table.Th>Column</Table.Th>
            <Table.Th>{heading}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {notes.slice(0, 500).map((e) => (
            <Table.Tr key={`${e.row}-${e.field}-${e.message}`}>
              <Table.Td>{e.row}</Table.Td>
              <Table.Td>{CUSTOMER_CSV_FIELD_LABELS[e.field as CustomerCsvField] ?? e.field}</Table.Td>
              <Table.Td>{e.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

interface Parsed {
  text: string;
  header: string[];
  rows: string[][];
}

/**
 * Upload → preview with columns matched to fields (editable) → every row checked on the server
 * (nothing written) → import in chunks with a progress bar.
 */
export function CustomerImport({ onDone }: { onDone: () => void }) {
  const importer = useImportCustomers();
  const [file, setFile] = useState<File | null>(null);
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [mapping, setMapping] = useState<Record<string, CustomerCsvField | null>>({});
  const [check, setCheck] = useState<ImportResult | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const load = async (picked: File | null) => {
    setFile(picked);
    setParsed(null);
    setCheck(null);
    setReadError(null);
    importer.reset();
    if (!picked) return;
    try {
      const text = await picked.text();
      const records: string[][] = parse(text, {
        bom: true,
        skip_empty_lines: true,
        relax_column_count: true,
        trim: true,
      });
      const [header, ...rows] = records;
      if (!header) throw new Error("The file is empty.");
      setParsed({ text, header, rows });
      // The server's matching by header name is the starting point; the person can change it.
      const result = await importer.mutateAsync({ csv: stringify([header]), dryRun: true }).catch(() => null);
      setMapping(result?.mapping ?? Object.fromEntries(header.map((h) => [h, null])));
    } catch (error) {
      setReadError(`This file could not be read as CSV: ${(error as Error).message}`);
    }
  };

  const runCheck = async () => {
    if (!parsed) return;
    setCheck(await importer.mutateAsync({ csv: parsed.text, mapping, dryRun: true }));
  };

  const runImport = async () => {
    if (!parsed) return;
    let created = 0;
    let updated = 0;
    setProgress(0);
    try {
      for (let start = 0; start < parsed.rows.length; start += CHUNK_ROWS) {
        const chunk = stringify([parsed.header, ...parsed.rows.slice(start, start + CHUNK_ROWS)]);
        const result = await importer.mutateAsync({ csv: chunk, mapping });
        if (result.errors.length > 0) {
          const shift = (notes: ImportRowError[]) => notes.map((e) => ({ ...e, row: e.row + start }));
          setCheck({ ...result, errors: shift(result.errors), warnings: shift(result.warnings) });
          throw new Error("Some rows were refused; nothing from that part of the file was written.");
        }
        created += result.created;
        updated += result.updated;
        setProgress(Math.min(100, ((start + CHUNK_ROWS) / parsed.rows.length) * 100));
      }
      notifications.show({ color: "green", message: `Import finished: ${created} created, ${updated} updated` });
      onDone();
    } catch (error) {
      notifications.show({ color: "red", message: errorMessage(error) });
      setProgress(null);
    }
  };

  const preview = parsed?.rows.slice(0, PREVIEW_ROWS) ?? [];
  const ready = check && check.errors.length === 0;

  return (
    <Stack>
      <FileInput
        label="CSV file"
        description="First row: column names. Existing customers are matched by account number, else by mobile phone."
        accept=".csv,text/csv"
        value={file}
        onChange={load}
        clearable
      />
      {readError && <Alert color="red">{readError}</Alert>}
      {importer.error && <Alert color="red">{errorMessage(importer.error)}</Alert>}
      {parsed && (
        <>
          <Text size="sm">{parsed.rows.length} rows. Check how the columns are matched to customer fields:</Text>
          <ScrollArea>
            <Table withTableBorder withColumnBorders striped>
              <Table.Thead>
                <Table.Tr>
                  {parsed.header.map((title) => (
                    <Table.Th key={title} miw={170}>
                      <Select
                        label={`Column “${title}”`}
                        size="xs"
                        data={FIELD_OPTIONS}
                        allowDeselect={false}
                        value={mapping[title] ?? ""}
                        onChange={(value) => {
                          setMapping((m) => ({ ...m, [title]: (value || null) as CustomerCsvField | null }));
                          setCheck(null);
                        }}
                      />
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {preview.map((row, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no identity but their position
                  <Table.Tr key={index}>
                    {parsed.header.map((title, column) => (
                      <Table.Td key={title}>{row[column] ?? ""}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </>
      )}
      {check && check.errors.length > 0 && (
        <Alert color="red" title={`${check.errors.length} problems: nothing was imported`}>
          <RowNotes notes={check.errors} heading="Problem" />
        </Alert>
      )}
      {check && check.warnings.length > 0 && (
        <Alert
          color="yellow"
          title={`${check.warnings.length} ${check.warnings.length === 1 ? "row" : "rows"} to look at: these import anyway`}
        >
          <RowNotes notes={check.warnings} heading="Note" />
        </Alert>
      )}
      {ready && (
        <Alert color="green">
          All {check.rows} rows are valid: {check.created} new customers, {check.updated} updates.
        </Alert>
      )}
      {progress !== null && <Progress value={progress} aria-label="Import progress" size="lg" animated />}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        {!ready ? (
          <Button disabled={!parsed} loading={importer.isPending} onClick={runCheck}>
            Check rows
          </Button>
        ) : (
          <Button loading={progress !== null} onClick={runImport}>
            Import {check.rows} rows
          </Button>
        )}
      </Group>
    </Stack>
  );
}
