// Blocks (BlockNote block JSON) in a read-only BlockNote view, with no shared
// document: a snapshot link's plan, or a kept revision.
import '@blocknote/core/fonts/inter.css'
import '@blocknote/mantine/style.css'
import type { PartialBlock } from '@blocknote/core'
import { BlockNoteView } from '@blocknote/mantine'
import { useCreateBlockNote } from '@blocknote/react'

export const ReadOnlyPlan = ({ blocks, theme, testId = 'plan-editor' }: { blocks: PartialBlock[]; theme: 'light' | 'dark'; testId?: string }) => {
  const editor = useCreateBlockNote({ initialContent: blocks.length > 0 ? blocks : undefined }, [blocks])
  return (
    <div className="editor-column snapshot" data-testid={testId} data-ready>
      <BlockNoteView editor={editor} editable={false} theme={theme} />
    </div>
  )
}
