{{/* Chart name. */}}
{{- define "ledger.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-ledger, or the release name when it already contains the chart name. */}}
{{- define "ledger.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The application version: image.tag when set, else the chart's appVersion. */}}
{{- define "ledger.appVersion" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "ledger.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "ledger.appVersion" .) }}
{{- end }}

{{- define "ledger.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ledger.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ledger.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ledger.selectorLabels" . }}
app.kubernetes.io/version: {{ include "ledger.appVersion" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ledger
{{- end }}

{{/* Name of the Secret the API reads: existingSecret, or the one the chart creates. */}}
{{- define "ledger.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "ledger.fullname" . }}
{{- end }}
{{- end }}

{{/* Name of the Secret the migration Job reads ConnectionStrings__LedgerMigrator from: migration.existingSecret, or the
hook Secret the chart creates from secrets.migratorConnectionString. Never existingSecret: every API pod reads that one
whole, and the application's pods must not hold the migrator's credentials. */}}
{{- define "ledger.migrationSecretName" -}}
{{- if .Values.migration.existingSecret }}
{{- .Values.migration.existingSecret }}
{{- else if .Values.existingSecret }}
{{- fail "migration.existingSecret is required with existingSecret: a Secret of its own holding ConnectionStrings__LedgerMigrator (the API pods read existingSecret whole and must not hold the migrator's credentials)" }}
{{- else }}
{{- include "ledger.fullname" . }}-migrate
{{- end }}
{{- end }}

{{/* Secret data (environment variable name -> value) built from .Values.secrets. */}}
{{- define "ledger.secretData" -}}
ConnectionStrings__Ledger: {{ .Values.secrets.ledgerConnectionString | b64enc | quote }}
ConnectionStrings__Redis: {{ .Values.secrets.redisConnectionString | b64enc | quote }}
{{- /* Keys by name (Auth:Keys:NAME:Key, :Roles comma-separated): one variable per value, so nothing merges by index. */}}
{{- range $k := .Values.secrets.apiKeys }}
{{- $name := required "secrets.apiKeys[].name is required" $k.name }}
{{ printf "Auth__Keys__%s__Key" $name }}: {{ required "secrets.apiKeys[].key is required" $k.key | b64enc | quote }}
{{ printf "Auth__Keys__%s__Roles" $name }}: {{ join "," $k.roles | b64enc | quote }}
{{- end }}
{{- end }}

{{/* ASPNETCORE_URLS: the API port and the management port, which must differ. */}}
{{- define "ledger.urls" -}}
{{- if eq (int .Values.containerPort) (int .Values.managementPort) }}
{{- fail "managementPort must differ from containerPort: the management port serves health and metrics only" }}
{{- end }}
{{- printf "http://+:%d;http://+:%d" (int .Values.containerPort) (int .Values.managementPort) }}
{{- end }}
