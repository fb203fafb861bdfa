import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { BackupCreated, BackupList } from "../../shared/backups.js";
import { api } from "../app/api.js";

export const backupsKey = ["backups"] as const;

/** The backups on the server, the schedule and its last run (admins). */
export function useBackups() {
  return useQuery({ queryKey: backupsKey, queryFn: () => api<BackupList>("/api/backups") });
}

/** "Back up now": resolves once the file is written (seconds for a small ISP's data). */
export function useTakeBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<BackupCreated>("/api/backups", { method: "POST" }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: backupsKey }),
  });
}

/** Where the browser downloads a backup from (the session cookie goes with it). */
export const backupDownloadUrl = (name: string) => `/api/backups/${encodeURIComponent(name)}`;
