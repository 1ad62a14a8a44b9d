{{- define "codeur.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "codeur.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "codeur.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "codeur.image" -}}
{{- printf "%s%s:%s" .root.Values.image.registry .image.repository .image.tag -}}
{{- end -}}

{{- define "codeur.configMapName" -}}
{{- default (printf "%s-config" (include "codeur.fullname" .)) .Values.existingConfigMap -}}
{{- end -}}

{{/* Restricted-profile container security context. */}}
{{- define "codeur.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Environment from Secret references for one workload. */}}
{{- define "codeur.credentialEnv" -}}
{{- $root := .root -}}
{{- range $name, $ref := $root.Values.credentials }}
{{- if has $.workload $ref.workloads }}
{{- $key := $ref.key }}
{{- if kindIs "map" $ref.key }}
{{- $key = required (printf "credentials.%s.key has no entry for %s" $name $.workload) (get $ref.key $.workload) }}
{{- end }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ default $root.Values.credentialsSecret $ref.secretName }}
      key: {{ $key }}
      optional: {{ $ref.optional }}
{{- end }}
{{- end }}
{{- end -}}
